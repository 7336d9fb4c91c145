import { randomUUID } from 'node:crypto';
import { BACKWARDS, END, type EventStoreDBClient, type ResolvedEvent } from '@eventstore/db-client';
import type { RecordedEvent } from '../event-store.port';
import { type Claim, drain, isStreamNotFound, toRecorded } from './kurrentdb-records';

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
