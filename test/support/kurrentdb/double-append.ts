import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import {
  AllStreamPosition,
  MaximumAppendSizeExceeded,
  StreamDeleted,
  Timeout,
  WrongExpectedVersion as SharedWrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import type { Code } from '@eventstore/db-client/generated/code_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { type AppendReq, AppendResp, type BatchAppendReq, BatchAppendResp } from '@eventstore/db-client/generated/streams_pb';
import {
  appendSizeOf,
  deletedFailure,
  EMPTY,
  type Expected,
  failure,
  type KurrentDbDoubleData,
  type ProposedRecord,
  streamIdentifier,
  streamNameOf,
  UUID_PATTERN,
  uuidOf,
} from './double-log';

// Streams.Append and Streams.BatchAppend of the KurrentDB test double: one write path
// (`decide`) with the server's checks in its order, answered in each call's own shape.

type Proposed = AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage;

export type Outcome =
  | { kind: 'written'; revision: bigint; position: bigint }
  | { kind: 'nothing'; current: bigint | null }
  | { kind: 'wrong'; current: bigint | null }
  | { kind: 'deleted' }
  | { kind: 'too-big' }
  | { kind: 'invalid'; status: Partial<grpc.StatusObject> };

/** The server's write, given the whole append: size, deletion, ids, idempotency, expectation. */
export const decide = (
  data: KurrentDbDoubleData,
  streamName: string,
  expected: Expected,
  proposed: readonly Proposed[],
  maxAppendSize: number,
): Outcome => {
  if (!streamName) return { kind: 'invalid', status: failure(grpc.status.INVALID_ARGUMENT, 'empty stream name') };
  let size = 0;
  const records: ProposedRecord[] = [];
  for (const message of proposed) {
    const id = uuidOf(message.getId());
    if (!id || !UUID_PATTERN.test(id)) return { kind: 'invalid', status: failure(grpc.status.INVALID_ARGUMENT, 'event id is not a UUID') };
    const type = message.getMetadataMap().get('type');
    const contentType = message.getMetadataMap().get('content-type');
    if (!type || !contentType)
      return {
        kind: 'invalid',
        status: failure(grpc.status.INVALID_ARGUMENT, 'missing required metadata', 'missing-required-metadata-property', {
          'required-metadata-properties': 'type,content-type',
        }),
      };
    const record = { id, type, contentType, data: message.getData_asU8(), customMetadata: message.getCustomMetadata_asU8() };
    size += appendSizeOf(type, record.data, record.customMetadata);
    records.push(record);
  }
  if (size > maxAppendSize) return { kind: 'too-big' };
  if (data.tombstoned.has(streamName)) return { kind: 'deleted' };

  // Idempotency, as the server does it: the same ids where they were first written.
  const stream = data.streams.get(streamName) ?? [];
  const known = data.idsByStream.get(streamName);
  const matchesFrom = (start: bigint | undefined): boolean =>
    start !== undefined &&
    start >= 0n &&
    Number(start) + records.length <= stream.length &&
    records.every((r, i) => stream[Number(start) + i]!.id === r.id);
  if (records.length > 0 && known) {
    const from = expected.kind === 'revision' ? expected.revision + 1n : expected.kind === 'no_stream' ? 0n : known.get(records[0]!.id);
    if (matchesFrom(from)) {
      const last = stream[Number(from!) + records.length - 1]!;
      return { kind: 'written', revision: last.revision, position: last.position };
    }
  }
  if (!data.expectationHolds(streamName, expected)) return { kind: 'wrong', current: data.lastWrittenRevision(streamName) };
  // An empty append succeeds without writing (the server answers the current state).
  if (records.length === 0) return { kind: 'nothing', current: data.currentRevision(streamName) };
  const written = data.commit(streamName, records);
  const last = written[written.length - 1]!;
  return { kind: 'written', revision: last.revision, position: last.position };
};

const tooBigFailure = (maxAppendSize: number): Partial<grpc.StatusObject> =>
  failure(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, 'maximum-append-size-exceeded', {
    'maximum-append-size': String(maxAppendSize),
  });

/** Streams.Append: client streaming, an options message then the proposed events. */
/** How many appends each call carried, so tests can show which path the client took. */
export interface AppendCalls {
  append: number;
  batchAppend: number;
}

export const appendHandler =
  (data: KurrentDbDoubleData, maxAppendSize: number, calls: AppendCalls) =>
  (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): void => {
    calls.append++;
    let header: AppendReq.Options | null = null;
    const proposed: AppendReq.ProposedMessage[] = [];
    let answered = false;
    const answer = (error: Partial<grpc.StatusObject> | null, response?: AppendResp): void => {
      if (answered) return;
      answered = true;
      callback(error, response);
    };
    let size = 0;
    call.on('data', (req: AppendReq) => {
      if (answered) return;
      if (req.hasOptions()) header = req.getOptions()!;
      else if (req.hasProposedMessage()) {
        const message = req.getProposedMessage()!;
        size += appendSizeOf(message.getMetadataMap().get('type') ?? '', message.getData_asU8(), message.getCustomMetadata_asU8());
        // Refused as soon as the events pass the limit, as the server does, while the client still writes.
        if (size > maxAppendSize) return answer(tooBigFailure(maxAppendSize));
        proposed.push(message);
      }
    });
    // A cancelled call (the client's deadline passed, or it went away) writes nothing.
    call.on('error', () => answer(failure(grpc.status.CANCELLED, 'append cancelled')));
    call.on('end', () => {
      if (!header) return answer(failure(grpc.status.INVALID_ARGUMENT, 'append without options'));
      // The call's own deadline (grpc-timeout) passed while the events came in: nothing is written.
      const deadline = call.getDeadline();
      if (deadline instanceof Date ? deadline.getTime() < Date.now() : Number.isFinite(deadline) && deadline < Date.now())
        return answer(failure(grpc.status.DEADLINE_EXCEEDED, 'Deadline Exceeded'));
      const streamName = streamNameOf(header.getStreamIdentifier());
      const expected: Expected = header.hasRevision()
        ? { kind: 'revision', revision: BigInt(header.getRevision()) }
        : header.hasNoStream()
          ? { kind: 'no_stream' }
          : header.hasStreamExists()
            ? { kind: 'stream_exists' }
            : { kind: 'any' };
      const outcome = decide(data, streamName, expected, proposed, maxAppendSize);
      switch (outcome.kind) {
        case 'invalid':
          return answer(outcome.status);
        case 'too-big':
          return answer(tooBigFailure(maxAppendSize));
        case 'deleted':
          return answer(deletedFailure(streamName));
        case 'wrong': {
          const wrong = new AppendResp.WrongExpectedVersion();
          if (outcome.current === null) wrong.setCurrentNoStream(EMPTY);
          else wrong.setCurrentRevision(outcome.current.toString());
          if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString());
          else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(EMPTY);
          else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(EMPTY);
          else wrong.setExpectedAny(EMPTY);
          return answer(null, new AppendResp().setWrongExpectedVersion(wrong));
        }
        case 'nothing': {
          const success = new AppendResp.Success();
          if (outcome.current === null) success.setNoStream(EMPTY);
          else success.setCurrentRevision(outcome.current.toString());
          success.setNoPosition(EMPTY);
          return answer(null, new AppendResp().setSuccess(success));
        }
        case 'written': {
          const success = new AppendResp.Success();
          success.setCurrentRevision(outcome.revision.toString());
          const at = outcome.position.toString();
          success.setPosition(new AppendResp.Position().setCommitPosition(at).setPreparePosition(at));
          return answer(null, new AppendResp().setSuccess(success));
        }
      }
    });
  };

/** A google.rpc.Status carrying one of the client's error details, as BatchAppend answers. */
const rpcStatus = (code: grpc.status, message: string, typeName: string, detail: { serializeBinary(): Uint8Array }): Status => {
  const any = new Any();
  any.pack(detail.serializeBinary(), typeName);
  return new Status()
    .setCode(code as number as Code)
    .setMessage(message)
    .setDetails(any);
};

interface PendingBatch {
  readonly options: BatchAppendReq.Options;
  readonly proposed: BatchAppendReq.ProposedMessage[];
  size: number;
}

/**
 * Streams.BatchAppend: one duplex call carries many appends, each a run of requests under one
 * correlation id (options in the first, `is_final` on the last), answered one response each,
 * in any order. The deadline travels in the options: an append completed after it is refused
 * with `Timeout` and writes nothing. An append whose events exceed the maximum append size is
 * refused with `MaximumAppendSizeExceeded` (the client raises MaxAppendSizeExceededError).
 */
export const batchAppendHandler =
  (
    data: KurrentDbDoubleData,
    maxAppendSize: number,
    calls: AppendCalls,
    liveCalls: Set<grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>>,
  ) =>
  (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void => {
    const pending = new Map<string, PendingBatch>();
    liveCalls.add(call);
    call.on('close', () => liveCalls.delete(call));
    call.on('data', (req: BatchAppendReq) => {
      const correlation = uuidOf(req.getCorrelationId());
      if (!correlation) return;
      let batch = pending.get(correlation);
      if (!batch) {
        const options = req.getOptions();
        if (!options) return; // Not the first request of an append: its answer went already.
        batch = { options, proposed: [], size: 0 };
        pending.set(correlation, batch);
        calls.batchAppend++;
      }
      for (const message of req.getProposedMessagesList()) {
        const type = message.getMetadataMap().get('type') ?? '';
        batch.size += appendSizeOf(type, message.getData_asU8(), message.getCustomMetadata_asU8());
        // Past the limit the events are counted, not kept: the append is refused anyway.
        if (batch.size <= maxAppendSize) batch.proposed.push(message);
      }
      // Too late or too big is refused as soon as it is known, as the server does (later parts are ignored).
      if (!req.getIsFinal() && batch.size <= maxAppendSize && !isLate(batch.options)) return;
      pending.delete(correlation);
      call.write(answerBatch(data, maxAppendSize, req.getCorrelationId()!, batch));
    });
    call.on('end', () => call.end());
    call.on('error', () => pending.clear());
  };

const isLate = (options: BatchAppendReq.Options): boolean => {
  const deadline = options.getDeadline()?.toDate();
  return deadline !== undefined && deadline.getTime() < Date.now();
};

const answerBatch = (
  data: KurrentDbDoubleData,
  maxAppendSize: number,
  correlationId: NonNullable<ReturnType<BatchAppendReq['getCorrelationId']>>,
  batch: PendingBatch,
): BatchAppendResp => {
  const options = batch.options;
  const streamName = streamNameOf(options.getStreamIdentifier());
  const expected: Expected = options.hasStreamPosition()
    ? { kind: 'revision', revision: BigInt(options.getStreamPosition()) }
    : options.hasNoStream()
      ? { kind: 'no_stream' }
      : options.hasStreamExists()
        ? { kind: 'stream_exists' }
        : { kind: 'any' };
  const response = new BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(streamIdentifier(streamName));
  if (expected.kind === 'revision') response.setStreamPosition(expected.revision.toString());
  else if (expected.kind === 'no_stream') response.setNoStream(EMPTY);
  else if (expected.kind === 'stream_exists') response.setStreamExists(EMPTY);
  else response.setAny(EMPTY);

  if (isLate(options))
    return response.setError(rpcStatus(grpc.status.DEADLINE_EXCEEDED, 'Timeout', 'event_store.client.Timeout', new Timeout()));
  const outcome =
    batch.size > maxAppendSize ? ({ kind: 'too-big' } as const) : decide(data, streamName, expected, batch.proposed, maxAppendSize);
  switch (outcome.kind) {
    case 'too-big':
      return response.setError(
        rpcStatus(
          grpc.status.INVALID_ARGUMENT,
          `Maximum Append Size of ${maxAppendSize} Exceeded.`,
          'event_store.client.MaximumAppendSizeExceeded',
          new MaximumAppendSizeExceeded().setMaxappendsize(maxAppendSize),
        ),
      );
    case 'deleted':
      return response.setError(
        rpcStatus(
          grpc.status.FAILED_PRECONDITION,
          `Event stream '${streamName}' is deleted.`,
          'event_store.client.StreamDeleted',
          new StreamDeleted().setStreamIdentifier(streamIdentifier(streamName)),
        ),
      );
    case 'wrong': {
      const wrong = new SharedWrongExpectedVersion();
      if (outcome.current === null) wrong.setCurrentNoStream(EMPTY);
      else wrong.setCurrentStreamRevision(outcome.current.toString());
      if (expected.kind === 'revision') wrong.setExpectedStreamPosition(expected.revision.toString());
      else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(EMPTY);
      else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(EMPTY);
      else wrong.setExpectedAny(EMPTY);
      return response.setError(
        rpcStatus(grpc.status.FAILED_PRECONDITION, 'WrongExpectedVersion', 'event_store.client.WrongExpectedVersion', wrong),
      );
    }
    case 'invalid':
      return response.setError(
        new Status()
          .setCode((outcome.status.code ?? grpc.status.INVALID_ARGUMENT) as number as Code)
          .setMessage(outcome.status.details ?? ''),
      );
    case 'nothing': {
      const success = new BatchAppendResp.Success();
      if (outcome.current === null) success.setNoStream(EMPTY);
      else success.setCurrentRevision(outcome.current.toString());
      return response.setSuccess(success.setNoPosition(EMPTY));
    }
    case 'written': {
      const success = new BatchAppendResp.Success().setCurrentRevision(outcome.revision.toString());
      const at = outcome.position.toString();
      return response.setSuccess(success.setPosition(new AllStreamPosition().setCommitPosition(at).setPreparePosition(at)));
    }
  }
};
