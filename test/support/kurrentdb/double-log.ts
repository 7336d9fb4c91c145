import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Empty, StreamIdentifier, type UUID } from '@eventstore/db-client/generated/shared_pb';

// The in-memory log of the KurrentDB test double (kurrentdb-double.ts) and the helpers its
// calls share: expected-revision checks, failure trailers, id parsing.

export interface DoubleRecord {
  readonly streamName: string;
  readonly id: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly type: string;
  readonly contentType: string;
  /** .NET ticks (100 ns) since the Unix epoch, as the server sends `created`. */
  readonly created: bigint;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export type ProposedRecord = Omit<DoubleRecord, 'streamName' | 'revision' | 'position' | 'created'>;

/** An expected revision as the three calls that take one (append, delete, tombstone) carry it. */
export type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

/** The log of a double: outlives a stopped server so a new one can serve the same data. */
export class KurrentDbDoubleData {
  readonly log: DoubleRecord[] = [];
  readonly streams = new Map<string, DoubleRecord[]>();
  /** Event id -> revision, per stream: the server's idempotency look-up. */
  readonly idsByStream = new Map<string, Map<string, bigint>>();
  readonly tombstoned = new Set<string>();
  /** Soft-deleted streams: revisions below this value are hidden ($tb, "truncate before"). */
  readonly truncatedBefore = new Map<string, bigint>();
  /** Next log offset; starts after a (pretend) epoch record, as a real node's log does. */
  nextPosition = 256n;
  readonly listeners = new Set<() => void>();

  constructor() {
    // A real node's log starts with system records; readers of $all must skip them.
    this.commit('$scavenges', [
      {
        id: randomUUID(),
        type: '$scavengeIndexInitialized',
        contentType: 'application/json',
        data: Buffer.from('{}'),
        customMetadata: new Uint8Array(),
      },
    ]);
  }

  /** Appends records at the end of the log in one go (the JavaScript turn makes it atomic). */
  commit(streamName: string, proposed: readonly ProposedRecord[]): DoubleRecord[] {
    const stream = this.streams.get(streamName) ?? [];
    const ids = this.idsByStream.get(streamName) ?? new Map<string, bigint>();
    const created = BigInt(Date.now()) * 10_000n;
    const written: DoubleRecord[] = [];
    for (const p of proposed) {
      const record: DoubleRecord = { ...p, streamName, revision: BigInt(stream.length), position: this.nextPosition, created };
      // Like a log offset: the next record starts after this one's bytes.
      this.nextPosition += BigInt(64 + streamName.length + p.type.length + p.data.length + p.customMetadata.length);
      stream.push(record);
      ids.set(record.id, record.revision);
      this.log.push(record);
      written.push(record);
    }
    this.streams.set(streamName, stream);
    this.idsByStream.set(streamName, ids);
    for (const listener of this.listeners) listener();
    return written;
  }

  /** The stream's last revision, or null when it has no events (or all are soft-deleted). */
  currentRevision(streamName: string): bigint | null {
    const stream = this.streams.get(streamName) ?? [];
    if (stream.length === 0) return null;
    const last = BigInt(stream.length - 1);
    return last < (this.truncatedBefore.get(streamName) ?? 0n) ? null : last;
  }

  /**
   * Index of the first event a reader may see: after a soft delete, and as the stream's
   * metadata (`$$stream`, its latest `$metadata` event) limits it with `$tb` or `$maxCount`.
   */
  firstVisible(streamName: string): number {
    const length = this.streams.get(streamName)?.length ?? 0;
    let first = Number(this.truncatedBefore.get(streamName) ?? 0n);
    const meta = this.streams.get(`$$${streamName}`)?.at(-1);
    if (meta?.type === '$metadata') {
      try {
        const parsed = JSON.parse(Buffer.from(meta.data).toString('utf8')) as { $tb?: unknown; $maxCount?: unknown };
        if (typeof parsed.$tb === 'number') first = Math.max(first, parsed.$tb);
        if (typeof parsed.$maxCount === 'number') first = Math.max(first, length - parsed.$maxCount);
      } catch {
        // Metadata that is not JSON limits nothing.
      }
    }
    return first;
  }

  /** Whether `expected` holds for the stream now (a soft-deleted stream counts as absent). */
  expectationHolds(streamName: string, expected: Expected): boolean {
    const current = this.currentRevision(streamName);
    switch (expected.kind) {
      case 'any':
        return true;
      case 'no_stream':
        return current === null;
      case 'stream_exists':
        return current !== null;
      case 'revision':
        // After a soft delete a writer may go on from the last revision it wrote.
        return (current ?? this.lastWrittenRevision(streamName)) === expected.revision;
    }
  }

  /**
   * The revision a wrong-expected-version answer reports: the last written one, even when a
   * soft delete hides it (a writer has to expect it to append after the delete).
   */
  lastWrittenRevision(streamName: string): bigint | null {
    const length = this.streams.get(streamName)?.length ?? 0;
    return length === 0 ? null : BigInt(length - 1);
  }
}

export const EMPTY = new Empty();

export const streamNameOf = (identifier: StreamIdentifier | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

export const streamIdentifier = (streamName: string): StreamIdentifier =>
  new StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8'));

export const uuidOf = (uuid: UUID | undefined): string | null => {
  if (!uuid) return null;
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const s = uuid.getStructured();
  if (!s) return null;
  const buffer = Buffer.alloc(16);
  buffer.writeBigUInt64BE(BigInt.asUintN(64, BigInt(s.getMostSignificantBits())), 0);
  buffer.writeBigUInt64BE(BigInt.asUintN(64, BigInt(s.getLeastSignificantBits())), 8);
  const hex = buffer.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The trailers a real server sends with a failed call: the `exception` name the client maps. */
export const failure = (
  code: grpc.status,
  details: string,
  exception?: string,
  extra: Record<string, string> = {},
): Partial<grpc.StatusObject> => {
  const metadata = new grpc.Metadata();
  if (exception) metadata.set('exception', exception);
  for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
  return { code, details, metadata };
};

export const deletedFailure = (streamName: string): Partial<grpc.StatusObject> =>
  failure(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, 'stream-deleted', { 'stream-name': streamName });

/** Wrong expected version of a unary call (delete, tombstone, plain append's trailers). */
export const wrongVersionFailure = (streamName: string, expected: Expected, actual: bigint | null): Partial<grpc.StatusObject> =>
  failure(grpc.status.FAILED_PRECONDITION, `Append failed due to WrongExpectedVersion. Stream: ${streamName}`, 'wrong-expected-version', {
    'stream-name': streamName,
    // The server sends -1 for "no stream", -2 for "any", -4 for "stream exists" here.
    'expected-version':
      expected.kind === 'revision'
        ? expected.revision.toString()
        : expected.kind === 'no_stream'
          ? '-1'
          : expected.kind === 'any'
            ? '-2'
            : '-4',
    ...(actual === null ? {} : { 'actual-version': actual.toString() }),
  });

/** The maximum append size a node has by default (1 MiB), as `MaxAppendSize` configures it. */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

/** What the server counts of an event against the maximum append size: its stored bytes. */
export const appendSizeOf = (type: string, data: Uint8Array, customMetadata: Uint8Array): number =>
  Buffer.byteLength(type) + data.length + customMetadata.length;
