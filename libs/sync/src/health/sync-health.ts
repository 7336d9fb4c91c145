import type { OutboxRelay, RelayBacklog } from '../relay/outbox-relay';
import type { LinkStatus } from './link-state';

/** Seconds a sync link may be down (with work waiting) before the node reads as degraded. */
export const SYNC_STALE_AFTER_SECONDS = 15;
/** Seconds the oldest unpublished event may wait, even with the relay connected (stuck, far behind). */
export const SYNC_RELAY_BEHIND_SECONDS = 300;

/** A consumer of the sync role as the health check reads it (inbox, hub router, history). */
export interface ConsumerLinkReading {
  /** False for a consumer this node does not run (an inbox with nothing to read). */
  readonly started: boolean;
  status(): LinkStatus;
}

export interface SyncHealth {
  /** `degraded` when a problem below is listed; the node still serves (its store is fine). */
  readonly status: 'ok' | 'degraded';
  readonly problems: readonly string[];
  readonly relay: LinkStatus & { lastPublishedAt: string | null; backlog: RelayBacklog | null };
  /** Null when the inbox does not run (nothing to read: no peers). */
  readonly inbox: LinkStatus | null;
  /** The national hub's router; null on other nodes. */
  readonly hubRouter: LinkStatus | null;
  /** The consumer of history requests and answers; null when it does not run. */
  readonly history: LinkStatus | null;
}

/**
 * The sync role's health from its relay and consumers: degraded when the relay cannot publish
 * and an own event has waited longer than `staleAfterSeconds` (or waited longer than
 * SYNC_RELAY_BEHIND_SECONDS at all), or when a consumer (the inbox, the hub's router, the
 * history consumer) crashed for good or has been retrying (crash and restart, or no answer
 * from the broker) for longer than `staleAfterSeconds`.
 */
export const assessSync = async (
  sync: {
    relay: Pick<OutboxRelay, 'status' | 'backlog'>;
    inbox: ConsumerLinkReading;
    hub?: ConsumerLinkReading | null;
    history?: ConsumerLinkReading | null;
  },
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
  const consumer = (name: string, reading: ConsumerLinkReading | null | undefined): LinkStatus | null => {
    const status = reading?.started ? reading.status() : null;
    if (!status) return null;
    const forSeconds = Math.max(0, (now - Date.parse(status.since)) / 1000);
    const why = `${status.lastError ? ` (${status.lastError})` : ''} for ${Math.round(forSeconds)} s`;
    if (status.state === 'crashed') problems.push(`${name} crashed${why}`);
    else if (status.state === 'retrying' && forSeconds > staleAfterSeconds) problems.push(`${name} retrying${why}`);
    return status;
  };
  const inbox = consumer('inbox', sync.inbox);
  const hubRouter = consumer('hub router', sync.hub);
  const history = consumer('history', sync.history);
  return {
    status: problems.length > 0 ? 'degraded' : 'ok',
    problems,
    relay: { ...relayStatus, backlog },
    inbox,
    hubRouter,
    history,
  };
};
