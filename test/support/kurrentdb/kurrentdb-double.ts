/**
 * TEST DOUBLE of a KurrentDB (EventStoreDB) server's gRPC wire behaviour — NOT a database.
 *
 * No KurrentDB server can be installed on the build machines, so the KurrentDB adapter's
 * tests talk to this in-process gRPC server instead. It is built with @grpc/grpc-js on the
 * service definitions and protobuf message classes that `@eventstore/db-client` itself
 * publishes (`generated/streams_grpc_pb.js`, `streams_pb.js`, `shared_pb.js`,
 * `serverfeatures_grpc_pb.js`), so the real client library does the talking, unchanged.
 * Data lives in memory only (a `KurrentDbDoubleData` can be handed to a new double on the
 * same port to model a server that went away and came back with its log intact).
 *
 * Behaviours it reproduces (each tested in kurrentdb-double.int.spec.ts):
 * - `Streams.Append` (client streaming: options message, then proposed messages), answered
 *   with `success` (current revision, commit/prepare position of the last event written)
 *   or `wrong_expected_version` (current revision or current-no-stream, and the expectation
 *   echoed: revision, any, stream_exists, no_stream);
 * - the server's idempotent append: the same event ids appended again at the revision they
 *   were first written after (or with `any`/`stream_exists` when they are the stream's
 *   latest events, or `no_stream` when they open the stream) succeed without writing again;
 * - `Streams.Read` of one stream (start, end or a revision; forwards or backwards; count),
 *   answering `stream_not_found` for a stream that does not exist;
 * - `Streams.Read` of `$all` (start, end or a commit/prepare position; forwards inclusive of
 *   the position, backwards exclusive of it; count), with the stream-name and event-type
 *   filters (prefixes or regex);
 * - catch-up subscriptions to `$all` (from start, end or after a position, filtered or not):
 *   `confirmation`, the stored events, `caught_up`, a filter `checkpoint`, then live events;
 * - `Streams.Tombstone`: a tombstoned stream answers reads and appends with the
 *   `stream-deleted` exception in the trailers;
 * - `ServerFeatures.GetSupportedMethods` answers UNIMPLEMENTED (as servers before 21.10 do),
 *   so the client uses the plain `Append` call rather than `BatchAppend`;
 * - one system event (`$`-prefixed stream and type) at the head of the log, as a real node
 *   has, so readers have to filter.
 * Each event's commit position equals its prepare position (as on a real server without
 * explicit transactions); positions grow by the record's size in bytes, like log offsets.
 *
 * Not reproduced: TLS, authentication and ACLs, clustering and gossip (use a single-node
 * `esdb://host:port?tls=false` URL), `BatchAppend`, `Delete` (soft delete), stream
 * metadata ($maxAge, $maxCount, truncation), link events and projections, persistent
 * subscriptions, subscriptions to a single stream, `fell_behind`, scavenging, maximum
 * append size, deadlines on the server side, and any durability: stop() loses nothing only
 * because the data object stays in this process.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  type AppendReq,
  AppendResp,
  ReadReq,
  ReadResp,
  type TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';

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

/** The log of a double: outlives a stopped server so a new one can serve the same data. */
export class KurrentDbDoubleData {
  readonly log: DoubleRecord[] = [];
  readonly streams = new Map<string, DoubleRecord[]>();
  readonly tombstoned = new Set<string>();
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
  commit(streamName: string, proposed: readonly Omit<DoubleRecord, 'streamName' | 'revision' | 'position' | 'created'>[]): DoubleRecord[] {
    const stream = this.streams.get(streamName) ?? [];
    const created = BigInt(Date.now()) * 10_000n;
    const written: DoubleRecord[] = [];
    for (const p of proposed) {
      const record: DoubleRecord = { ...p, streamName, revision: BigInt(stream.length), position: this.nextPosition, created };
      // Like a log offset: the next record starts after this one's bytes.
      this.nextPosition += BigInt(64 + streamName.length + p.type.length + p.data.length + p.customMetadata.length);
      stream.push(record);
      this.log.push(record);
      written.push(record);
    }
    this.streams.set(streamName, stream);
    for (const listener of this.listeners) listener();
    return written;
  }
}

export interface KurrentDbDouble {
  /** `esdb://127.0.0.1:PORT?tls=false`, for the client's connection string parser. */
  readonly url: string;
  readonly port: number;
  readonly data: KurrentDbDoubleData;
  /** Stops the server at once (open calls and subscriptions fail with UNAVAILABLE). */
  stop(): Promise<void>;
}

export interface DoubleOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** The log to serve; a fresh one when absent. */
  readonly data?: KurrentDbDoubleData;
}

const EMPTY = new Empty();

const streamNameOf = (identifier: StreamIdentifier | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

const uuidOf = (uuid: UUID | undefined): string | null => {
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

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The trailers a real server sends with a failed call: the `exception` name the client maps. */
const failure = (
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

/** Ends a server-streaming call with an error status (grpc-js sends the status on 'error'). */
const failCall = (call: grpc.ServerWritableStream<ReadReq, ReadResp>, status: Partial<grpc.StatusObject>): void => {
  call.emit('error', status);
};

const deletedFailure = (streamName: string): Partial<grpc.StatusObject> =>
  failure(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, 'stream-deleted', { 'stream-name': streamName });

const toRecordedEvent = (r: DoubleRecord): ReadResp.ReadEvent.RecordedEvent => {
  const event = new ReadResp.ReadEvent.RecordedEvent();
  event.setId(new UUID().setString(r.id));
  event.setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(r.streamName, 'utf8')));
  event.setStreamRevision(r.revision.toString());
  event.setPreparePosition(r.position.toString());
  event.setCommitPosition(r.position.toString());
  const map = event.getMetadataMap();
  map.set('type', r.type);
  map.set('content-type', r.contentType);
  map.set('created', r.created.toString());
  event.setCustomMetadata(r.customMetadata);
  event.setData(r.data);
  return event;
};

const eventResponse = (r: DoubleRecord): ReadResp => {
  const read = new ReadResp.ReadEvent();
  read.setEvent(toRecordedEvent(r));
  read.setCommitPosition(r.position.toString());
  return new ReadResp().setEvent(read);
};

type Filter = (r: DoubleRecord) => boolean;

const filterOf = (options: ReadReq.Options): Filter => {
  if (!options.hasFilter()) return () => true;
  const f = options.getFilter()!;
  const expression = f.hasStreamIdentifier() ? f.getStreamIdentifier() : f.getEventType();
  const field = f.hasStreamIdentifier() ? (r: DoubleRecord) => r.streamName : (r: DoubleRecord) => r.type;
  if (!expression) return () => true;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : null;
  return (r) => {
    const value = field(r);
    if (prefixes.length > 0 && !prefixes.some((p) => value.startsWith(p))) return false;
    if (regex && !regex.test(value)) return false;
    return true;
  };
};

/** First index in the log whose position is >= `position` (the log is sorted by position). */
const indexAtOrAfter = (log: readonly DoubleRecord[], position: bigint): number => {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]!.position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

const MAX_COUNT = 2n ** 64n - 1n;

/** Starts a double on 127.0.0.1; resolves once it accepts connections. */
export const startKurrentDbDouble = async (options: DoubleOptions = {}): Promise<KurrentDbDouble> => {
  const data = options.data ?? new KurrentDbDoubleData();
  const server = new grpc.Server();
  const liveCalls = new Set<grpc.ServerWritableStream<ReadReq, ReadResp>>();

  const append = (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void => {
    let header: AppendReq.Options | null = null;
    const proposed: AppendReq.ProposedMessage[] = [];
    let answered = false;
    const answer = (error: Partial<grpc.StatusObject> | null, response?: AppendResp): void => {
      if (answered) return;
      answered = true;
      callback(error, response);
    };
    call.on('data', (req: AppendReq) => {
      if (req.hasOptions()) header = req.getOptions()!;
      else if (req.hasProposedMessage()) proposed.push(req.getProposedMessage()!);
    });
    call.on('error', () => answer(failure(grpc.status.CANCELLED, 'append cancelled')));
    call.on('end', () => {
      if (!header) return answer(failure(grpc.status.INVALID_ARGUMENT, 'append without options'));
      const streamName = streamNameOf(header.getStreamIdentifier());
      if (!streamName) return answer(failure(grpc.status.INVALID_ARGUMENT, 'empty stream name'));
      if (data.tombstoned.has(streamName)) return answer(deletedFailure(streamName));
      const records: Omit<DoubleRecord, 'streamName' | 'revision' | 'position' | 'created'>[] = [];
      for (const message of proposed) {
        const id = uuidOf(message.getId());
        if (!id || !UUID_PATTERN.test(id)) return answer(failure(grpc.status.INVALID_ARGUMENT, 'event id is not a UUID'));
        const type = message.getMetadataMap().get('type');
        const contentType = message.getMetadataMap().get('content-type');
        if (!type || !contentType)
          return answer(
            failure(grpc.status.INVALID_ARGUMENT, 'missing required metadata', 'missing-required-metadata-property', {
              'required-metadata-properties': 'type,content-type',
            }),
          );
        records.push({ id, type, contentType, data: message.getData_asU8(), customMetadata: message.getCustomMetadata_asU8() });
      }
      const stream = data.streams.get(streamName) ?? [];
      const current = stream.length === 0 ? null : BigInt(stream.length - 1);

      // Idempotency, as the server does it: the same ids where they were first written.
      const ids = records.map((r) => r.id);
      const matchesFrom = (start: number): boolean =>
        start >= 0 && start + ids.length <= stream.length && ids.every((id, i) => stream[start + i]!.id === id);
      let idempotentFrom: number | null = null;
      if (ids.length > 0) {
        if (header.hasRevision()) idempotentFrom = matchesFrom(Number(header.getRevision()) + 1) ? Number(header.getRevision()) + 1 : null;
        else if (header.hasNoStream()) idempotentFrom = matchesFrom(0) ? 0 : null;
        else {
          const at = stream.findIndex((r) => r.id === ids[0]);
          idempotentFrom = at >= 0 && matchesFrom(at) ? at : null;
        }
      }
      if (idempotentFrom !== null) {
        const last = stream[idempotentFrom + ids.length - 1]!;
        return answer(null, successOf(last.revision, last.position));
      }

      const ok = header.hasRevision()
        ? current !== null && current === BigInt(header.getRevision())
        : header.hasNoStream()
          ? current === null
          : header.hasStreamExists()
            ? current !== null
            : true;
      if (!ok) {
        const wrong = new AppendResp.WrongExpectedVersion();
        if (current === null) wrong.setCurrentNoStream(EMPTY);
        else wrong.setCurrentRevision(current.toString());
        if (header.hasRevision()) wrong.setExpectedRevision(header.getRevision());
        else if (header.hasNoStream()) wrong.setExpectedNoStream(EMPTY);
        else if (header.hasStreamExists()) wrong.setExpectedStreamExists(EMPTY);
        else wrong.setExpectedAny(EMPTY);
        return answer(null, new AppendResp().setWrongExpectedVersion(wrong));
      }
      if (records.length === 0) {
        // An empty append succeeds without writing (the server answers the current state).
        const success = new AppendResp.Success();
        if (current === null) success.setNoStream(EMPTY);
        else success.setCurrentRevision(current.toString());
        success.setNoPosition(EMPTY);
        return answer(null, new AppendResp().setSuccess(success));
      }
      const written = data.commit(streamName, records);
      const last = written[written.length - 1]!;
      return answer(null, successOf(last.revision, last.position));
    });
  };

  const successOf = (revision: bigint, position: bigint): AppendResp => {
    const success = new AppendResp.Success();
    success.setCurrentRevision(revision.toString());
    success.setPosition(new AppendResp.Position().setCommitPosition(position.toString()).setPreparePosition(position.toString()));
    return new AppendResp().setSuccess(success);
  };

  const read = (call: grpc.ServerWritableStream<ReadReq, ReadResp>): void => {
    const options = call.request.getOptions();
    if (!options) return failCall(call, failure(grpc.status.INVALID_ARGUMENT, 'read without options'));
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const count = options.hasCount() ? BigInt(options.getCount()) : MAX_COUNT;
    const filter = filterOf(options);
    if (options.hasStream()) return readStream(call, options.getStream()!, backwards, count, options.hasSubscription());
    const all = options.getAll();
    if (!all) return failCall(call, failure(grpc.status.INVALID_ARGUMENT, 'read of neither a stream nor $all'));
    if (options.hasSubscription()) return subscribeAll(call, all, filter, options);
    let index: number;
    if (all.hasStart()) index = backwards ? -1 : 0;
    else if (all.hasEnd()) index = backwards ? data.log.length - 1 : data.log.length;
    else {
      const position = BigInt(all.getPosition()!.getCommitPosition());
      // Forwards: the event at the position and after. Backwards: strictly before it.
      index = backwards ? indexAtOrAfter(data.log, position) - 1 : indexAtOrAfter(data.log, position);
    }
    let sent = 0n;
    while (sent < count && index >= 0 && index < data.log.length) {
      const record = data.log[index]!;
      index += backwards ? -1 : 1;
      if (!filter(record)) continue;
      call.write(eventResponse(record));
      sent++;
    }
    call.end();
  };

  const readStream = (
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadReq.Options.StreamOptions,
    backwards: boolean,
    count: bigint,
    subscription: boolean,
  ): void => {
    const streamName = streamNameOf(options.getStreamIdentifier());
    if (subscription) {
      return failCall(call, failure(grpc.status.UNIMPLEMENTED, 'the double has no subscriptions to one stream'));
    }
    if (data.tombstoned.has(streamName)) {
      return failCall(call, deletedFailure(streamName));
    }
    const stream = data.streams.get(streamName);
    if (!stream || stream.length === 0) {
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(streamName)));
      call.write(new ReadResp().setStreamNotFound(notFound));
      call.end();
      return;
    }
    let index: number;
    if (options.hasStart()) index = backwards ? -1 : 0;
    else if (options.hasEnd()) index = backwards ? stream.length - 1 : stream.length;
    else index = Math.min(Number(BigInt(options.getRevision())), stream.length);
    if (backwards && options.hasRevision()) index = Math.min(index, stream.length - 1);
    let sent = 0n;
    while (sent < count && index >= 0 && index < stream.length) {
      call.write(eventResponse(stream[index]!));
      index += backwards ? -1 : 1;
      sent++;
    }
    call.end();
  };

  const subscribeAll = (
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    all: ReadReq.Options.AllOptions,
    filter: Filter,
    options: ReadReq.Options,
  ): void => {
    liveCalls.add(call);
    call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
    // Subscriptions start strictly after the given position (unlike reads).
    let next = all.hasStart()
      ? 0
      : all.hasEnd()
        ? data.log.length
        : indexAtOrAfter(data.log, BigInt(all.getPosition()!.getCommitPosition()) + 1n);
    let caughtUp = false;
    let closed = false;
    const pump = (): void => {
      if (closed) return;
      let lastPosition: bigint | null = null;
      while (next < data.log.length) {
        const record = data.log[next++]!;
        lastPosition = record.position;
        if (filter(record)) call.write(eventResponse(record));
      }
      if (!caughtUp) {
        caughtUp = true;
        call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
        if (options.hasFilter()) {
          // A filtered subscription reports how far it has searched, matching or not.
          const at = lastPosition ?? data.log[data.log.length - 1]?.position ?? 0n;
          call.write(
            new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(at.toString()).setPreparePosition(at.toString())),
          );
        }
      }
    };
    const listener = (): void => {
      setImmediate(pump);
    };
    data.listeners.add(listener);
    const close = (): void => {
      closed = true;
      data.listeners.delete(listener);
      liveCalls.delete(call);
    };
    call.on('cancelled', close);
    call.on('close', close);
    call.on('error', close);
    pump();
  };

  const tombstone = (call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>): void => {
    const streamName = streamNameOf(call.request.getOptions()?.getStreamIdentifier());
    data.tombstoned.add(streamName);
    const position = data.nextPosition;
    data.commit(`$$${streamName}`, [
      {
        id: randomUUID(),
        type: '$streamDeleted',
        contentType: 'application/json',
        data: Buffer.from('{}'),
        customMetadata: new Uint8Array(),
      },
    ]);
    callback(
      null,
      new TombstoneResp().setPosition(
        new TombstoneResp.Position().setCommitPosition(position.toString()).setPreparePosition(position.toString()),
      ),
    );
  };

  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<unknown>): void =>
    callback(failure(grpc.status.UNIMPLEMENTED, 'not implemented by the KurrentDB test double'));

  server.addService(StreamsService as unknown as grpc.ServiceDefinition, {
    read,
    append,
    delete: unimplemented,
    tombstone,
    batchAppend: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
      call.emit('error', failure(grpc.status.UNIMPLEMENTED, 'no BatchAppend in the double')),
  });
  server.addService(ServerFeaturesService as unknown as grpc.ServiceDefinition, { getSupportedMethods: unimplemented });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    data,
    stop: async () => {
      // Like a crashed node: connections drop, open calls and subscriptions fail on the client.
      for (const call of liveCalls) call.emit('error', failure(grpc.status.UNAVAILABLE, 'server stopped'));
      liveCalls.clear();
      server.forceShutdown();
      await new Promise((r) => setImmediate(r));
    },
  };
};
