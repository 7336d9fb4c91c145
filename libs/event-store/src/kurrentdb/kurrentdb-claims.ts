import { randomUUID } from 'node:crypto';
import { type AppendExpectedRevision, BACKWARDS, END, type EventStoreDBClient, NO_STREAM, type ResolvedEvent } from '@eventstore/db-client';
import { EventIdConflictError, StoreUnavailableError } from '../errors';
import type { AppendResult, NewEvent, RecordedEvent } from '../event-store.port';
import {
  canonicalJson,
  type Claim,
  drain,
  isStreamNotFound,
  isWrongExpectedVersion,
  type Ownership,
  sleep,
  toRecorded,
} from './kurrentdb-records';

// The event-id claims (docs/adr/0007): one tiny stream per event id says who claimed it, and
// the claimed events are looked for in their stream. Each call carries the caller's deadline.

/** One tiny stream per event id records who claimed it (see docs/adr/0007). */
export const CLAIM_STREAM_PREFIX = 'vxeventid-';

type Call = { deadline: number };

export const readClaim = async (client: EventStoreDBClient, call: () => Call, claimStream: string): Promise<Claim | null> => {
  let page: ResolvedEvent[];
  try {
    page = await drain(client.readStream(claimStream, { direction: BACKWARDS, fromRevision: END, maxCount: 1, ...call() }));
  } catch (error) {
    if (isStreamNotFound(error)) return null;
    throw error;
  }
  const e = page[0]?.event;
  if (!e) return null;
  const data = (e.data ?? {}) as { streamId?: string; contentHash?: string };
  return {
    revision: e.revision,
    released: e.type === 'EventIdReleased',
    streamId: data.streamId ?? '',
    contentHash: data.contentHash ?? '',
    created: e.created,
  };
};

/** Gives claims back after a failed append, so a retry with the same ids is not held up. */
export const releaseClaims = async (
  client: EventStoreDBClient,
  call: () => Call,
  owned: readonly { id: string; rev: bigint }[],
): Promise<void> => {
  await Promise.allSettled(
    owned.map((o) =>
      client.appendToStream(
        `${CLAIM_STREAM_PREFIX}${o.id.toLowerCase()}`,
        { id: randomUUID(), contentType: 'application/json', type: 'EventIdReleased', data: {}, metadata: undefined },
        { expectedRevision: o.rev, ...call() },
      ),
    ),
  );
};

/** Looks ids up in a stream, newest first (retries and replays are usually recent), a page at a time. */
export const findEvents = async (
  client: EventStoreDBClient,
  call: () => Call,
  streamId: string,
  ids: readonly string[],
): Promise<Map<string, RecordedEvent>> => {
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const found = new Map<string, RecordedEvent>();
  let from: bigint | typeof END = END;
  for (;;) {
    let page: ResolvedEvent[];
    try {
      page = await drain(client.readStream(streamId, { direction: BACKWARDS, fromRevision: from, maxCount: 256, ...call() }));
    } catch (error) {
      if (isStreamNotFound(error)) return found;
      throw error;
    }
    for (const resolved of page) {
      const e = resolved.event;
      if (e && wanted.has(e.id.toLowerCase())) found.set(e.id.toLowerCase(), toRecorded(resolved));
    }
    const oldest = page[page.length - 1]?.event?.revision;
    if (found.size === wanted.size || page.length < 256 || oldest === undefined || oldest === 0n) return found;
    from = oldest - 1n;
  }
};

/** The first writer of an id creates its claim stream; a later one learns who holds it. */
export const claimEventId = async (
  client: EventStoreDBClient,
  call: () => Call,
  staleClaimMs: number,
  eventId: string,
  streamId: string,
  hash: string,
): Promise<Ownership> => {
  const claimStream = `${CLAIM_STREAM_PREFIX}${eventId.toLowerCase()}`;
  let expected: AppendExpectedRevision = NO_STREAM;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const result = await client.appendToStream(
        claimStream,
        {
          id: randomUUID(),
          contentType: 'application/json',
          type: 'EventIdClaimed',
          data: { streamId, contentHash: hash },
          metadata: undefined,
        },
        { expectedRevision: expected, ...call() },
      );
      return { owned: true, claimRevision: result.nextExpectedRevision };
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
    }
    const claim = await readClaim(client, call, claimStream);
    if (!claim) continue;
    if (claim.released) {
      expected = claim.revision;
      continue;
    }
    const stale = Date.now() - claim.created.getTime() >= staleClaimMs;
    if (claim.streamId === streamId && claim.contentHash === hash) {
      // Ours in content: its writer is at work (or done), unless it died long ago without writing.
      if (!stale || (await findEvents(client, call, streamId, [eventId])).size > 0) return { owned: false, claim };
      expected = claim.revision;
      continue;
    }
    // Held for other content: a conflict if that event is stored (or may still be), else a dead claim.
    const stored = await findEvents(client, call, claim.streamId, [eventId]);
    if (stored.size > 0 || !stale) throw new EventIdConflictError(eventId);
    expected = claim.revision;
  }
  throw new StoreUnavailableError(`event id ${eventId}: its claim kept changing hands`);
};

/**
 * Waits until events another writer claimed show up in the stream (a replay: answer them),
 * or until that claim is stale (the other writer died: the caller claims again).
 */
export const awaitClaimedEvents = async (
  client: EventStoreDBClient,
  call: () => Call,
  staleClaimMs: number,
  streamId: string,
  events: readonly NewEvent[],
  claims: readonly Claim[],
): Promise<AppendResult | 'stale'> => {
  const ids = events.map((e) => e.eventId.toLowerCase());
  const oldest = Math.min(...claims.map((c) => c.created.getTime()));
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    const found = await findEvents(client, call, streamId, ids);
    if (found.size === ids.length) {
      for (const e of events) {
        const stored = found.get(e.eventId.toLowerCase())!;
        if (stored.type !== e.type || canonicalJson(stored.data) !== canonicalJson(e.data)) throw new EventIdConflictError(e.eventId);
      }
      const last = [...found.values()].reduce((a, b) => (a.revision > b.revision ? a : b));
      return { streamId, revision: last.revision, position: last.position, eventIds: events.map((e) => e.eventId), replayed: true };
    }
    if (found.size > 0) throw new EventIdConflictError([...found.keys()][0]!);
    if (Date.now() - oldest > staleClaimMs) return 'stale';
    await sleep(wait);
  }
};
