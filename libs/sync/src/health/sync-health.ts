import type { OutboxRelay, RelayBacklog } from '../relay/outbox-relay';
import { CONSUMER_SILENT_AFTER_SECONDS } from './consumer-link-tracker';
import type { LinkStatus } from './link-state';

/** Seconds a sync link may be down (with work waiting) before the node reads as degraded. */
export const SYNC_STALE_AFTER_SECONDS = 15;
/** Seconds the oldest unpublished event may wait, even with the relay connected (stuck, far behind). */
export const SYNC_RELAY_BEHIND_SECONDS = 300;

/** The limits of assessSync, in seconds (settings SYNC_HEALTH_STALE_AFTER_S, _RELAY_BEHIND_S, _SILENT_AFTER_S). */
export interface SyncHealthLimits {
  /** How long a link may be down (the relay: with an own event waiting) or a consumer retrying. */
  readonly staleAfterSeconds: number;
  /** How long an own event may wait unpublished even with the relay connected. */
  readonly relayBehindSeconds: number;
  /** Broker silence after which a connected consumer reads as retrying. */
  readonly silentAfterSeconds: number;
}

export const DEFAULT_SYNC_HEALTH_LIMITS: SyncHealthLimits = {
  staleAfterSeconds: SYNC_STALE_AFTER_SECONDS,
  relayBehindSeconds: SYNC_RELAY_BEHIND_SECONDS,
  silentAfterSeconds: CONSUMER_SILENT_AFTER_SECONDS,
};

/** A consumer of the sync role as the health check reads it (inbox, hub router, history). */
export interface ConsumerLinkReading {
  /** False for a consumer this node does not run (an inbox with nothing to read). */
  readonly started: boolean;
  status(silentAfterSeconds?: number): LinkStatus;
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
 * `relayBehindSeconds` at all), or when a consumer (the inbox, the hub's router, the history
 * consumer) crashed for good or has been retrying (crash and restart, or no answer from the
 * broker for `silentAfterSeconds`) for longer than `staleAfterSeconds`. Limits not given take
 * DEFAULT_SYNC_HEALTH_LIMITS.
 */
export const assessSync = async (
  sync: {
    relay: Pick<OutboxRelay, 'status' | 'backlog'>;
    inbox: ConsumerLinkReading;
    hub?: ConsumerLinkReading | null;
    history?: ConsumerLinkReading | null;
  },
  limits: Partial<SyncHealthLimits> & { now?: number } = {},
): Promise<SyncHealth> => {
  const now = limits.now ?? Date.now();
  const staleAfterSeconds = limits.staleAfterSeconds ?? DEFAULT_SYNC_HEALTH_LIMITS.staleAfterSeconds;
  const relayBehindSeconds = limits.relayBehindSeconds ?? DEFAULT_SYNC_HEALTH_LIMITS.relayBehindSeconds;
  const silentAfterSeconds = limits.silentAfterSeconds ?? DEFAULT_SYNC_HEALTH_LIMITS.silentAfterSeconds;
  const problems: string[] = [];
  const relayStatus = sync.relay.status();
  const backlog = await sync.relay.backlog();
  if (backlog && backlog.events > 0) {
    const waiting = `${backlog.events}${backlog.eventsAtLeast ? '+' : ''} own events unpublished, the oldest for ${Math.round(backlog.seconds)} s`;
    if (relayStatus.state !== 'connected' && backlog.seconds > staleAfterSeconds)
      problems.push(`relay ${relayStatus.state}${relayStatus.lastError ? ` (${relayStatus.lastError})` : ''}: ${waiting}`);
    else if (backlog.seconds > relayBehindSeconds) problems.push(`relay behind: ${waiting}`);
  }
  const consumer = (name: string, reading: ConsumerLinkReading | null | undefined): LinkStatus | null => {
    const status = reading?.started ? reading.status(silentAfterSeconds) : null;
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
