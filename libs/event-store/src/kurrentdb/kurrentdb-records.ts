import { createHash } from 'node:crypto';
import type { ResolvedEvent } from '@eventstore/db-client';
import { EventStoreError } from '../errors';
import type { NewEvent, RecordedEvent } from '../event-store.port';
import { positionOf } from './kurrentdb-mapping';

// What the KurrentDB adapter stores beside each event and in its event-id claims, and how
// the client's records map back to the port's (kurrentdb-event-store.ts and kurrentdb-claims.ts
// hold the protocol).

export interface StoredMetadata {
  readonly schemaVersion: number;
  readonly metadata: Record<string, unknown>;
  readonly $correlationId?: string;
  readonly $causationId?: string;
}

export interface Claim {
  readonly revision: bigint;
  readonly released: boolean;
  readonly streamId: string;
  readonly contentHash: string;
  readonly created: Date;
}

export type Ownership = { readonly owned: true; readonly claimRevision: bigint } | { readonly owned: false; readonly claim: Claim };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** JSON with object keys sorted, so the same content hashes the same whoever serialised it. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/** What a claim records of an event: its stream, type and data (exported for tests). */
export const contentHash = (streamId: string, event: NewEvent): string =>
  createHash('sha256')
    .update(canonicalJson([streamId, event.type, event.data ?? null]))
    .digest('hex');

const errorType = (error: unknown): string | undefined => (error as { type?: unknown } | null)?.type as string | undefined;
export const isWrongExpectedVersion = (error: unknown): boolean => errorType(error) === 'wrong-expected-version';
export const isStreamNotFound = (error: unknown): boolean => errorType(error) === 'stream-not-found';
export const isMaxAppendSizeExceeded = (error: unknown): boolean => errorType(error) === 'maximum-append-size-exceeded';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads a whole (bounded) client stream. Never leave one half-read: an abandoned read keeps
 * its gRPC call open and the client's dispose() waits for it.
 */
export const drain = async (stream: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> => {
  const out: ResolvedEvent[] = [];
  for await (const resolved of stream) out.push(resolved);
  return out;
};

export const redact = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');

export const storedMetadata = (e: NewEvent): StoredMetadata => ({
  // $correlationId and $causationId are the names KurrentDB's own tooling reads.
  ...(typeof e.metadata.correlationId === 'string' ? { $correlationId: e.metadata.correlationId } : {}),
  ...(typeof e.metadata.causationId === 'string' ? { $causationId: e.metadata.causationId } : {}),
  schemaVersion: e.schemaVersion,
  metadata: { ...e.metadata },
});

/** A recorded event of the client as the port's RecordedEvent. */
export const toRecorded = (resolved: ResolvedEvent): RecordedEvent => {
  const e = resolved.event;
  if (!e) throw new EventStoreError('STORE_UNAVAILABLE', 'KurrentDB returned a link without its event');
  const position = e.position ? positionOf(e.position) : resolved.commitPosition;
  if (position === undefined)
    throw new EventStoreError('STORE_UNAVAILABLE', 'KurrentDB returned an event without a position (server older than 22.6?)');
  const stored = (e.metadata && !(e.metadata instanceof Uint8Array) ? e.metadata : {}) as Partial<StoredMetadata>;
  return {
    eventId: e.id,
    type: e.type,
    schemaVersion: typeof stored.schemaVersion === 'number' ? stored.schemaVersion : 1,
    data: e.data,
    metadata: stored.metadata ?? {},
    streamId: e.streamId,
    revision: Number(e.revision),
    position,
    recordedAt: e.created,
  };
};
