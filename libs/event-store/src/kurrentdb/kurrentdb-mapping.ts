import { type Position, START as CLIENT_START } from '@eventstore/db-client';
import { AppendTooLargeError, EventStoreError, StoreUnavailableError, StreamConflictError, StreamDeletedError } from '../errors';
import type { GlobalPosition } from '../event-store.port';
import { START } from '../event-store.port';

/**
 * Positions: KurrentDB places an event in `$all` by { commit, prepare }, both byte offsets
 * in the transaction log. Without explicit transactions (this adapter never uses them) the
 * two are equal for every event, so the port's GlobalPosition is the commit position and
 * goes back as { commit: p, prepare: p }. Offsets fit PostgreSQL's bigint checkpoints.
 * An event whose two positions differ would make that mapping lossy, so it is refused
 * loudly rather than skipped silently (docs/adr/0007).
 */
export const positionOf = (position: Position): GlobalPosition => {
  if (position.commit !== position.prepare)
    throw new EventStoreError(
      'STORE_UNAVAILABLE',
      `KurrentDB event at commit ${position.commit} has prepare position ${position.prepare}: explicit transactions are not supported`,
    );
  return position.commit;
};

export const fromPosition = (position: GlobalPosition): Position | typeof CLIENT_START =>
  position === START ? CLIENT_START : { commit: position, prepare: position };

/** gRPC status codes the client passes through unconverted (e.g. while it opens a channel). */
const GRPC_STATUS: Readonly<Record<number, string>> = { 1: 'cancelled', 4: 'deadline-exceeded', 10: 'timeout', 14: 'unavailable' };

const typeOf = (error: unknown): string | undefined => {
  const e = error as { type?: unknown; code?: unknown } | null;
  if (typeof e?.type === 'string') return e.type;
  return typeof e?.code === 'number' ? GRPC_STATUS[e.code] : undefined;
};

/** The client's errors as the port's typed errors, each saying what failed and why. */
export const translate = (error: unknown, what: string): Error => {
  if (error instanceof EventStoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  switch (typeOf(error)) {
    case 'wrong-expected-version': {
      const e = error as { streamName?: string; expectedVersion?: unknown; actualVersion?: unknown };
      return new StreamConflictError(
        e.streamName ?? what,
        String(e.expectedVersion ?? 'a revision'),
        typeof e.actualVersion === 'bigint' ? Number(e.actualVersion) : null,
      );
    }
    case 'stream-deleted':
      return new StreamDeletedError((error as { streamName?: string }).streamName ?? what);
    case 'unavailable':
      return new StoreUnavailableError(`KurrentDB is unavailable (${what}): ${message}`, error);
    case 'deadline-exceeded':
    case 'timeout':
      return new StoreUnavailableError(`KurrentDB did not answer in time (${what}): ${message}`, error);
    case 'cancelled':
      return new StoreUnavailableError(`KurrentDB cancelled the call (${what}): ${message}`, error);
    case 'not-leader':
      return new StoreUnavailableError(`KurrentDB node is not the leader (${what}); the client reconnects to the leader`, error);
    case 'access-denied':
      return new StoreUnavailableError(`KurrentDB refused access (${what}): check the credentials in KURRENTDB_URL`, error);
    case 'not-found':
    case 'stream-not-found':
      return new StoreUnavailableError(`KurrentDB answered not found (${what}): ${message}`, error);
    case 'maximum-append-size-exceeded': {
      const limit = (error as { maxAppendSize?: unknown }).maxAppendSize;
      return new AppendTooLargeError(what, typeof limit === 'number' && Number.isFinite(limit) ? limit : null, error);
    }
    case 'invalid-argument':
      return new EventStoreError('INVALID_APPEND', `KurrentDB refused the request (${what}): ${message}`, error);
    case undefined:
    default:
      return new StoreUnavailableError(`KurrentDB call failed (${what}): ${message}`, error);
  }
};
