import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { UUID } from '@eventstore/db-client/generated/shared_pb';
import { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { deletedFailure, type DoubleRecord, failure, type KurrentDbDoubleData, streamIdentifier, streamNameOf } from './double-log';

// Streams.Read of the KurrentDB test double: reads of a stream or of $all, catch-up
// subscriptions to either, link resolution and filtered-subscription checkpoints.

type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;
type Filter = (r: DoubleRecord) => boolean;

const MAX_COUNT = 2n ** 64n - 1n;
/** The search window a filtered subscription gets when the client sends none (`count`). */
const DEFAULT_SEARCH_WINDOW = 32;

const toRecordedEvent = (r: DoubleRecord): ReadResp.ReadEvent.RecordedEvent => {
  const event = new ReadResp.ReadEvent.RecordedEvent();
  event.setId(new UUID().setString(r.id));
  event.setStreamIdentifier(streamIdentifier(r.streamName));
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

/**
 * The record a `$>` link points at: its data is `revision@stream`. Null when the target is
 * gone (deleted, truncated) or the link is malformed; the server then sends the link alone.
 */
const linkTarget = (data: KurrentDbDoubleData, link: DoubleRecord): DoubleRecord | null => {
  const match = /^(\d+)@(.+)$/.exec(Buffer.from(link.data).toString('utf8'));
  if (!match) return null;
  const [, revision, streamName] = match;
  if (data.tombstoned.has(streamName!)) return null;
  const target = data.streams.get(streamName!)?.[Number(revision)];
  if (!target || Number(target.revision) < data.firstVisible(streamName!)) return null;
  return target;
};

const eventResponse = (data: KurrentDbDoubleData, r: DoubleRecord, resolveLinks: boolean): ReadResp => {
  const read = new ReadResp.ReadEvent();
  const target = resolveLinks && r.type === '$>' ? linkTarget(data, r) : null;
  if (target) {
    read.setEvent(toRecordedEvent(target));
    read.setLink(toRecordedEvent(r));
  } else if (resolveLinks && r.type === '$>') {
    read.setLink(toRecordedEvent(r));
  } else {
    read.setEvent(toRecordedEvent(r));
  }
  read.setCommitPosition(r.position.toString());
  return new ReadResp().setEvent(read);
};

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

/** Ends a server-streaming call with an error status (grpc-js sends the status on 'error'). */
const failCall = (call: ReadCall, status: Partial<grpc.StatusObject>): void => {
  call.emit('error', status);
};

const checkpoint = (position: bigint): ReadResp =>
  new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(position.toString()).setPreparePosition(position.toString()));

export const readHandler =
  (data: KurrentDbDoubleData, liveCalls: Set<ReadCall>) =>
  (call: ReadCall): void => {
    const options = call.request.getOptions();
    if (!options) return failCall(call, failure(grpc.status.INVALID_ARGUMENT, 'read without options'));
    const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
    const count = options.hasCount() ? BigInt(options.getCount()) : MAX_COUNT;
    const resolveLinks = options.getResolveLinks();
    if (options.hasStream()) {
      const stream = options.getStream()!;
      if (options.hasSubscription()) return subscribe(data, liveCalls, call, streamSource(data, stream), () => true, options);
      return readStream(data, call, stream, backwards, count, resolveLinks);
    }
    const all = options.getAll();
    if (!all) return failCall(call, failure(grpc.status.INVALID_ARGUMENT, 'read of neither a stream nor $all'));
    const filter = filterOf(options);
    if (options.hasSubscription()) return subscribe(data, liveCalls, call, allSource(data, all), filter, options);
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
      call.write(eventResponse(data, record, resolveLinks));
      sent++;
    }
    call.end();
  };

const readStream = (
  data: KurrentDbDoubleData,
  call: ReadCall,
  options: ReadReq.Options.StreamOptions,
  backwards: boolean,
  count: bigint,
  resolveLinks: boolean,
): void => {
  const streamName = streamNameOf(options.getStreamIdentifier());
  if (data.tombstoned.has(streamName)) return failCall(call, deletedFailure(streamName));
  const stream = data.streams.get(streamName) ?? [];
  const first = data.firstVisible(streamName);
  if (stream.length <= Number(data.truncatedBefore.get(streamName) ?? 0n)) {
    const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(streamName));
    call.write(new ReadResp().setStreamNotFound(notFound));
    call.end();
    return;
  }
  let index: number;
  if (options.hasStart()) index = backwards ? -1 : 0;
  else if (options.hasEnd()) index = backwards ? stream.length - 1 : stream.length;
  else index = Math.min(Number(BigInt(options.getRevision())), stream.length);
  if (backwards && options.hasRevision()) index = Math.min(index, stream.length - 1);
  if (!backwards) index = Math.max(index, first);
  let sent = 0n;
  while (sent < count && index >= first && index < stream.length) {
    call.write(eventResponse(data, stream[index]!, resolveLinks));
    index += backwards ? -1 : 1;
    sent++;
  }
  call.end();
};

/** Where a subscription reads: a cursor over $all or over one stream. */
interface Source {
  /** The records after the cursor, moving it past them; 'deleted' when the stream went. */
  next(): DoubleRecord[] | 'deleted';
  readonly streamName: string | null;
}

const allSource = (data: KurrentDbDoubleData, all: ReadReq.Options.AllOptions): Source => {
  // Subscriptions start strictly after the given position (unlike reads).
  let next = all.hasStart()
    ? 0
    : all.hasEnd()
      ? data.log.length
      : indexAtOrAfter(data.log, BigInt(all.getPosition()!.getCommitPosition()) + 1n);
  return {
    streamName: null,
    next: () => {
      const out = data.log.slice(next);
      next = data.log.length;
      return out;
    },
  };
};

const streamSource = (data: KurrentDbDoubleData, options: ReadReq.Options.StreamOptions): Source => {
  const streamName = streamNameOf(options.getStreamIdentifier());
  const length = (): number => data.streams.get(streamName)?.length ?? 0;
  // From a revision: the events after it. From the end: live events only.
  let next = options.hasStart() ? 0 : options.hasEnd() ? length() : Number(BigInt(options.getRevision())) + 1;
  return {
    streamName,
    next: () => {
      if (data.tombstoned.has(streamName)) return 'deleted';
      const stream = data.streams.get(streamName) ?? [];
      next = Math.max(next, data.firstVisible(streamName));
      const out = stream.slice(next);
      next = Math.max(next, stream.length);
      return out;
    },
  };
};

/**
 * A catch-up subscription: `confirmation`, the stored events, `caught_up`, then live events.
 * A filtered one (of $all) also sends a `checkpoint` each time it has searched another
 * checkpoint interval (search window x multiplier) of events, matching or not, and once when
 * it catches up, so a reader can save how far it got through events it does not want.
 */
const subscribe = (
  data: KurrentDbDoubleData,
  liveCalls: Set<ReadCall>,
  call: ReadCall,
  source: Source,
  filter: Filter,
  options: ReadReq.Options,
): void => {
  liveCalls.add(call);
  const resolveLinks = options.getResolveLinks();
  const filterOptions = options.hasFilter() ? options.getFilter()! : null;
  const interval = filterOptions
    ? (filterOptions.hasMax() ? filterOptions.getMax() : DEFAULT_SEARCH_WINDOW) *
      Math.max(1, filterOptions.getCheckpointintervalmultiplier())
    : 0;
  call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
  let caughtUp = false;
  let closed = false;
  let searched = 0;
  let lastPosition = data.log[data.log.length - 1]?.position ?? 0n;
  const close = (): void => {
    closed = true;
    data.listeners.delete(listener);
    liveCalls.delete(call);
  };
  const pump = (): void => {
    if (closed) return;
    const records = source.next();
    if (records === 'deleted') {
      close();
      return failCall(call, deletedFailure(source.streamName ?? '$all'));
    }
    for (const record of records) {
      lastPosition = record.position;
      if (filter(record)) call.write(eventResponse(data, record, resolveLinks));
      if (interval > 0 && ++searched % interval === 0) call.write(checkpoint(record.position));
    }
    if (!caughtUp) {
      caughtUp = true;
      call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      if (filterOptions) call.write(checkpoint(lastPosition));
    }
  };
  const listener = (): void => {
    setImmediate(pump);
  };
  data.listeners.add(listener);
  call.on('cancelled', close);
  call.on('close', close);
  call.on('error', close);
  pump();
};
