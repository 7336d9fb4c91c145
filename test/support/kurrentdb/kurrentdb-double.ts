/**
 * TEST DOUBLE of a KurrentDB (EventStoreDB) server's gRPC wire behaviour — NOT a database.
 *
 * No KurrentDB server can be installed on the build machines, so the KurrentDB adapter's
 * tests talk to this in-process gRPC server instead. It is built with @grpc/grpc-js on the
 * service definitions and protobuf message classes that `@eventstore/db-client` itself
 * publishes, so the real client library does the talking, unchanged. Data lives in memory
 * only (a `KurrentDbDoubleData` can be handed to a new double on the same port to model a
 * server that went away and came back with its log intact).
 *
 * It emulates a KurrentDB 24.10 node (EMULATED_SERVER_VERSION): `ServerFeatures` lists that
 * version and the Streams methods below, so the client (>= 21.10 logic) appends through
 * `BatchAppend`, as it does against every real server since 21.10; the plain `Append` is
 * still served (the client uses it when a call carries its own credentials).
 *
 * Behaviours it reproduces (tested in kurrentdb-double.int.spec.ts, and by the official
 * client's own stream tests in test/upstream/eventstore-client, see its README):
 * - `Streams.BatchAppend`: one duplex call, appends keyed by correlation id and split over
 *   requests (options first, `is_final` last), answered in the shape of each outcome:
 *   success, WrongExpectedVersion (current and expected echoed), StreamDeleted, Timeout
 *   (the deadline in the options passed before the append was complete: nothing written),
 *   MaximumAppendSizeExceeded (events above `maxAppendSize`, default 1 MiB as on a node);
 * - `Streams.Append` with the same checks, answered with `success`, `wrong_expected_version`
 *   or the trailers (`stream-deleted`, `maximum-append-size-exceeded`) a node sends;
 * - the server's idempotent append: the same event ids appended again at the revision they
 *   were first written after (or with `any`/`stream_exists` when they are where the first
 *   id was written, or `no_stream` when they open the stream) succeed without writing again;
 * - `Streams.Read` of one stream and of `$all` (start, end, revision or position; both
 *   directions; count; stream-name and event-type filters by prefix or regex), with
 *   `resolve_links`: a `$>` link event (data `revision@stream`) comes back with its target
 *   as the event and itself as the link, or alone when the target is gone;
 * - catch-up subscriptions to `$all` and to one stream: `confirmation`, stored events,
 *   `caught_up`, then live events; a filtered `$all` subscription sends a `checkpoint` each
 *   checkpoint interval (search window, 32 by default, x the client's multiplier) of events
 *   searched, and one on catching up; a subscription to a stream that is tombstoned ends
 *   with `stream-deleted`;
 * - `Streams.Delete` (soft delete: the stream reads as not found, a later append goes on
 *   from the next revision) and `Streams.Tombstone` (reads, appends and subscriptions answer
 *   `stream-deleted` for good), both honouring the expected revision (WrongExpectedVersion
 *   in the trailers); stream metadata (`$$stream`, written by setStreamMetadata) is an
 *   ordinary stream whose latest `$metadata` event's `$maxCount` and `$tb` limit reads;
 * - one system event (`$`-prefixed stream and type) at the head of the log, as a real node
 *   has, so readers have to filter;
 * - TLS when given a key and certificate (the official tests connect over TLS), plain
 *   `esdb://host:port?tls=false` otherwise.
 * Each event's commit position equals its prepare position (as on a real server without
 * explicit transactions); positions grow by the record's size in bytes, like log offsets.
 *
 * Left out, none of which the adapter (libs/event-store/src/kurrentdb) calls or needs:
 * authentication and ACLs (the adapter connects with the URL's credentials and sets no
 * stream ACL), clustering and gossip (single node only), stream metadata's other effects
 * ($maxAge, $cacheControl, $acl: the adapter writes no metadata), projections and the
 * system streams they write ($ce-, $et-, emitted links; the adapter reads product
 * categories only, unresolved), persistent subscriptions (the adapter uses catch-up
 * subscriptions to $all), `fell_behind`, scavenging, the operations/users/monitoring
 * services, the HTTP API, and durability: stop() loses nothing only because the data
 * object stays in this process.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  type BatchAppendReq,
  type BatchAppendResp,
  DeleteResp,
  type ReadReq,
  type ReadResp,
  TombstoneResp,
  type DeleteReq,
  type TombstoneReq,
} from '@eventstore/db-client/generated/streams_pb';
import { type AppendCalls, appendHandler, batchAppendHandler } from './double-append';
import { DEFAULT_MAX_APPEND_SIZE, type Expected, failure, KurrentDbDoubleData, streamNameOf, wrongVersionFailure } from './double-log';
import { readHandler } from './double-read';

export { type DoubleRecord, KurrentDbDoubleData } from './double-log';

/** The KurrentDB version the double says it is (ServerFeatures' `event_store_server_version`). */
export const EMULATED_SERVER_VERSION = '24.10.0';

export interface KurrentDbDouble {
  /** `esdb://127.0.0.1:PORT?tls=false` (or `?tls=true` with TLS), for the client's connection string parser. */
  readonly url: string;
  readonly port: number;
  readonly data: KurrentDbDoubleData;
  /** Appends served so far by each call: `batchAppend` is the path every real server since 21.10 gets. */
  readonly calls: Readonly<AppendCalls>;
  /** Stops the server at once (open calls and subscriptions fail with UNAVAILABLE). */
  stop(): Promise<void>;
}

export interface DoubleOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** The log to serve; a fresh one when absent. */
  readonly data?: KurrentDbDoubleData;
  /** Largest append in event bytes (type, data, metadata); a node's default, 1 MiB, when absent. */
  readonly maxAppendSize?: number;
  /** Serve TLS with this key and certificate chain (PEM) instead of plain HTTP/2. */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
}

type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;

const expectedOf = (options: DeleteReq.Options | TombstoneReq.Options | undefined): Expected =>
  options?.hasRevision()
    ? { kind: 'revision', revision: BigInt(options.getRevision()) }
    : options?.hasNoStream()
      ? { kind: 'no_stream' }
      : options?.hasStreamExists()
        ? { kind: 'stream_exists' }
        : { kind: 'any' };

/** The Streams methods the double serves, as ServerFeatures lists them (lower case, as a node does). */
const supportedMethods = (): SupportedMethods => {
  const methods = new SupportedMethods().setEventStoreServerVersion(EMULATED_SERVER_VERSION);
  for (const name of ['read', 'append', 'delete', 'tombstone', 'batchappend'])
    methods.addMethods(new SupportedMethod().setServiceName('event_store.client.streams.streams').setMethodName(name));
  methods.addMethods(
    new SupportedMethod().setServiceName('event_store.client.server_features.serverfeatures').setMethodName('getsupportedmethods'),
  );
  return methods;
};

/** Starts a double on 127.0.0.1; resolves once it accepts connections. */
export const startKurrentDbDouble = async (options: DoubleOptions = {}): Promise<KurrentDbDouble> => {
  const data = options.data ?? new KurrentDbDoubleData();
  const maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
  const server = new grpc.Server();
  const liveCalls = new Set<ReadCall>();
  const calls: AppendCalls = { append: 0, batchAppend: 0 };
  const batchCalls = new Set<grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>>();

  /** Soft delete: hides the stream's events; a later append continues its revisions. */
  const softDelete = (call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>): void => {
    const streamName = streamNameOf(call.request.getOptions()?.getStreamIdentifier());
    const expected = expectedOf(call.request.getOptions());
    if (data.tombstoned.has(streamName))
      return callback(failure(grpc.status.FAILED_PRECONDITION, 'deleted', 'stream-deleted', { 'stream-name': streamName }));
    if (!data.expectationHolds(streamName, expected))
      return callback(wrongVersionFailure(streamName, expected, data.lastWrittenRevision(streamName)));
    const last = data.lastWrittenRevision(streamName);
    if (last !== null) data.truncatedBefore.set(streamName, last + 1n);
    const at = data.nextPosition.toString();
    callback(null, new DeleteResp().setPosition(new DeleteResp.Position().setCommitPosition(at).setPreparePosition(at)));
  };

  /** Tombstone (hard delete): the stream is gone for good, its name cannot be used again. */
  const tombstone = (call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>): void => {
    const streamName = streamNameOf(call.request.getOptions()?.getStreamIdentifier());
    const expected = expectedOf(call.request.getOptions());
    if (data.tombstoned.has(streamName))
      return callback(failure(grpc.status.FAILED_PRECONDITION, 'deleted', 'stream-deleted', { 'stream-name': streamName }));
    if (!data.expectationHolds(streamName, expected))
      return callback(wrongVersionFailure(streamName, expected, data.lastWrittenRevision(streamName)));
    data.tombstoned.add(streamName);
    const position = data.nextPosition;
    // The server writes a `$streamDeleted` record into the stream; here it goes to its metastream, so
    // readers of the product's categories never meet it (the adapter never tombstones).
    data.commit(`$$${streamName}`, [
      {
        id: randomUUID(),
        type: '$streamDeleted',
        contentType: 'application/json',
        data: Buffer.from('{}'),
        customMetadata: new Uint8Array(),
      },
    ]);
    const at = position.toString();
    callback(null, new TombstoneResp().setPosition(new TombstoneResp.Position().setCommitPosition(at).setPreparePosition(at)));
  };

  server.addService(StreamsService as unknown as grpc.ServiceDefinition, {
    read: readHandler(data, liveCalls),
    append: appendHandler(data, maxAppendSize, calls),
    batchAppend: batchAppendHandler(data, maxAppendSize, calls, batchCalls),
    delete: softDelete,
    tombstone,
  });
  server.addService(ServerFeaturesService as unknown as grpc.ServiceDefinition, {
    getSupportedMethods: (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>) => callback(null, supportedMethods()),
  });

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    url: `esdb://127.0.0.1:${port}?tls=${options.tls ? 'true' : 'false'}`,
    port,
    data,
    calls,
    stop: async () => {
      // Like a node going down: open BatchAppend calls are cancelled (as a stopping node does),
      // subscriptions fail as unavailable, and the connections drop.
      const cancelling = batchCalls.size > 0;
      for (const call of batchCalls) call.emit('error', failure(grpc.status.CANCELLED, 'server stopped'));
      for (const call of liveCalls) call.emit('error', failure(grpc.status.UNAVAILABLE, 'server stopped'));
      batchCalls.clear();
      liveCalls.clear();
      // Let the cancellations reach the client before the connection goes.
      if (cancelling) await new Promise((r) => setTimeout(r, 20));
      server.forceShutdown();
      await new Promise((r) => setImmediate(r));
    },
  };
};
