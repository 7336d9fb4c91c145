import type { InboxConsumer } from '../inbox/inbox-consumer';
import type { OutboxRelay, RelayBacklog } from '../relay/outbox-relay';
import type { LinkStatus } from './link-state';

/** Seconds a sync link may be down (with work waiting) before the node reads as degraded. */
export const SYNC_STALE_AFTER_SECONDS = 15;
/** Seconds the oldest unpublished event may wait, even with the relay connected (stuck, far behind). */
export const SYNC_RELAY_BEHIND_SECONDS = 300;

export interface SyncHealth {
  /** `degraded` when a problem below is listed; the node still serves (its store is fine). */
  readonly status: 'ok' | 'degraded';
  readonly problems: readonly string[];
  readonly relay: LinkStatus & { lastPublishedAt: string | null; backlog: RelayBacklog | null };
  /** Null when the inbox does not run (nothing to read: no peers). */
  readonly inbox: LinkStatus | null;
}

/**
 * The sync role's health from its relay and inbox: degraded when the relay cannot publish and
 * an own event has waited longer than `staleAfterSeconds` (or waited longer than
 * SYNC_RELAY_BEHIND_SECONDS at all), or when the inbox crashed for good or has been
 * retrying (crash and restart, or no answer from the broker) for longer than `staleAfterSeconds`.
 */
export const assessSync = async (
  sync: { relay: Pick<OutboxRelay, 'status' | 'backlog'>; inbox: Pick<InboxConsumer, 'status' | 'started'> },
  { staleAfterSeconds = SYNC_STALE_AFTER_SECONDS, now = Date.now() }: { staleAfterSeconds?: number; now?: number } = {},
): Promise<SyncHealth> => {
  const problems: string[] = [];
  const relayStatus = sync.relay.status();
  const backlog = await sync.relay.backlog();
  if (backlog && backlog.events > 0) {
    const waiting = `${backlog.events}${backlog.eventsAtLeast ? '+' : ''} own events unpublished, the oldest for ${Math.round(backlog.seconds)} s`;
    if (relayStatus.state !== 'connected' && backlog.seconds > staleAfterSeconds)
      problems.push(`relay ${relayStatus.state}${relayStatus.lastError ? ` (${relayStatus.lastError})` : ''}: ${waiting}`);
    else if (backlog.seconds > SYNC_RELAY_BEHIND_SECONDS) problems.push(`relay behind: ${waiting}`);
  }
  const inbox = sync.inbox.started ? sync.inbox.status() : null;
  if (inbox) {
    const forSeconds = Math.max(0, (now - Date.parse(inbox.since)) / 1000);
    const why = `${inbox.lastError ? ` (${inbox.lastError})` : ''} for ${Math.round(forSeconds)} s`;
    if (inbox.state === 'crashed') problems.push(`inbox crashed${why}`);
    else if (inbox.state === 'retrying' && forSeconds > staleAfterSeconds) problems.push(`inbox retrying${why}`);
  }
  return { status: problems.length > 0 ? 'degraded' : 'ok', problems, relay: { ...relayStatus, backlog }, inbox };
};
