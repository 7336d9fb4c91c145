import { createHash } from 'node:crypto';
import type { EventStore, GlobalPosition, NewEvent, RecordedEvent } from '@vaxledger/event-store';
import { LogVerifier, START } from '@vaxledger/event-store';

/**
 * Moving a whole log between event-store adapters (PostgreSQL ⇄ KurrentDB) as NDJSON:
 *
 *   {"kind":"header","format":"vaxledger-log","version":1,"adapter":"postgres","exportedAt":"..."}
 *   {"kind":"event","streamId":"batch-…","revision":0,"eventId":"…","type":"…","schemaVersion":1,
 *    "data":{…},"metadata":{…},"recordedAt":"…","position":"123"}
 *   …
 *   {"kind":"trailer","events":N,"streams":S,"digest":"<sha256 hex>"}
 *
 * Events are in the source's global order. The digest is SHA-256 over, for each event in that
 * order, the canonical JSON (keys sorted) of [streamId, revision, eventId, type, schemaVersion,
 * data, metadata] and a newline: what a copy must preserve. Positions and recording times belong to the store that
 * assigned them and are left out (the export keeps the source's, for the record).
 */
export const LOG_FORMAT = 'vaxledger-log';
export const LOG_FORMAT_VERSION = 1;

export interface LogSummary {
  readonly events: number;
  /** Events per stream. */
  readonly streams: ReadonlyMap<string, number>;
  readonly digest: string;
}

export interface ImportSummary extends LogSummary {
  readonly appended: number;
  /** Events the target already held with the same content (an import run again). */
  readonly replayed: number;
}

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

interface EventLine {
  readonly kind: 'event';
  readonly streamId: string;
  readonly revision: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly recordedAt?: string;
  readonly position?: string;
}

/** JSON with object keys sorted at every level: PostgreSQL's jsonb does not keep key order. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/** Running digest and per-stream counts over events in log order. */
export class LogDigest {
  private readonly hash = createHash('sha256');
  private readonly counts = new Map<string, number>();
  private total = 0;

  add(e: Pick<RecordedEvent, 'streamId' | 'revision' | 'eventId' | 'type' | 'schemaVersion' | 'data' | 'metadata'>): void {
    this.hash.update(
      `${canonicalJson([e.streamId, e.revision, e.eventId.toLowerCase(), e.type, e.schemaVersion, e.data ?? null, e.metadata])}\n`,
    );
    this.counts.set(e.streamId, (this.counts.get(e.streamId) ?? 0) + 1);
    this.total++;
  }

  summary(): LogSummary {
    return { events: this.total, streams: this.counts, digest: this.hash.copy().digest('hex') };
  }
}

/** Every event of the store in global order, a page at a time. */
export async function* wholeLog(store: EventStore, pageSize = 1000, waitMs = 30_000): AsyncGenerator<RecordedEvent> {
  // Everything committed when the walk starts. readAll never shows an event while an earlier
  // append may still commit (a transaction open elsewhere on the same PostgreSQL holds it back),
  // so an empty page before that point means wait, not the end: an export must not stop short.
  const target = await store.latestPosition();
  let after: GlobalPosition = START;
  let waitingSince: number | null = null;
  for (;;) {
    const page = await store.readAll({ after, limit: pageSize });
    if (page.length > 0) {
      yield* page;
      after = page[page.length - 1]!.position;
      waitingSince = null;
      continue;
    }
    if (after >= target) return;
    waitingSince ??= Date.now();
    if (Date.now() - waitingSince > waitMs)
      throw new TransferError(
        `the log could not be read up to its last committed event (position ${target}) in ${waitMs / 1000} s: a transaction holds it back`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Digest and counts of the store's log, optionally only of some streams. */
export const summariseStore = async (store: EventStore, only?: (streamId: string) => boolean): Promise<LogSummary> => {
  const digest = new LogDigest();
  for await (const e of wholeLog(store)) if (!only || only(e.streamId)) digest.add(e);
  return digest.summary();
};

/** Writes the log as NDJSON through `write` (which resolves once the line may be followed). */
export const exportLog = async (
  store: EventStore,
  write: (line: string) => Promise<void>,
  progress: (events: number) => void = () => undefined,
): Promise<LogSummary> => {
  const digest = new LogDigest();
  await write(
    JSON.stringify({
      kind: 'header',
      format: LOG_FORMAT,
      version: LOG_FORMAT_VERSION,
      adapter: store.capabilities.adapter,
      exportedAt: new Date().toISOString(),
    }),
  );
  let n = 0;
  for await (const e of wholeLog(store)) {
    const line: EventLine = {
      kind: 'event',
      streamId: e.streamId,
      revision: e.revision,
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: e.data,
      metadata: { ...e.metadata },
      recordedAt: e.recordedAt.toISOString(),
      position: e.position.toString(),
    };
    await write(JSON.stringify(line));
    digest.add(e);
    if (++n % 500 === 0) progress(n);
  }
  const summary = digest.summary();
  await write(JSON.stringify({ kind: 'trailer', events: summary.events, streams: summary.streams.size, digest: summary.digest }));
  return summary;
};

const parseLine = (text: string, lineNo: number): Record<string, unknown> => {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new TransferError(`line ${lineNo}: not a JSON object`);
  }
};

const asEvent = (v: Record<string, unknown>, lineNo: number): EventLine => {
  const ok =
    typeof v.streamId === 'string' &&
    Number.isInteger(v.revision) &&
    (v.revision as number) >= 0 &&
    typeof v.eventId === 'string' &&
    typeof v.type === 'string' &&
    Number.isInteger(v.schemaVersion) &&
    typeof v.metadata === 'object' &&
    v.metadata !== null &&
    'data' in v;
  if (!ok) throw new TransferError(`line ${lineNo}: an event needs streamId, revision, eventId, type, schemaVersion, data and metadata`);
  return v as unknown as EventLine;
};

/**
 * Appends the exported events to `store` in file order, each stream at the revisions it had
 * (the expected revision of every append is the one before), so ids, revisions and order
 * are kept; then reads the imported streams back and checks counts and digest against the
 * file's. Running it again appends nothing (every event is a replay).
 */
export const importLog = async (
  store: EventStore,
  lines: AsyncIterable<string>,
  progress: (events: number) => void = () => undefined,
): Promise<ImportSummary> => {
  const digest = new LogDigest();
  // The file's events against the signed checkpoints it carries (ADR 0019); signatures are
  // checked by \`log verify\` on the node, which holds the keys.
  const chain = new LogVerifier();
  let header = false;
  let trailer: { events: number; digest: string } | null = null;
  let lineNo = 0;
  let appended = 0;
  let replayed = 0;
  let pending: EventLine[] = [];
  const next = new Map<string, number>();

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const first = pending[0]!;
    const events: NewEvent[] = pending.map((e) => ({
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion,
      data: e.data,
      metadata: e.metadata,
    }));
    const result = await store.append(first.streamId, events, { expected: first.revision === 0 ? 'no-stream' : first.revision - 1 });
    if (result.replayed) replayed += events.length;
    else appended += events.length;
    if (result.revision !== pending[pending.length - 1]!.revision)
      throw new TransferError(
        `stream ${first.streamId}: landed at revision ${result.revision}, expected ${pending[pending.length - 1]!.revision}`,
      );
    pending = [];
    progress(appended + replayed);
  };

  for await (const raw of lines) {
    lineNo++;
    const text = raw.trim();
    if (text === '') continue;
    if (trailer) throw new TransferError(`line ${lineNo}: content after the trailer`);
    const value = parseLine(text, lineNo);
    if (!header) {
      if (value.kind !== 'header' || value.format !== LOG_FORMAT || value.version !== LOG_FORMAT_VERSION)
        throw new TransferError(`line ${lineNo}: not a ${LOG_FORMAT} v${LOG_FORMAT_VERSION} export (header missing)`);
      header = true;
      continue;
    }
    if (value.kind === 'trailer') {
      await flush();
      trailer = { events: Number(value.events), digest: String(value.digest) };
      continue;
    }
    if (value.kind !== 'event') throw new TransferError(`line ${lineNo}: unknown kind ${String(value.kind)}`);
    const e = asEvent(value, lineNo);
    const expectedRevision = next.get(e.streamId) ?? 0;
    if (e.revision !== expectedRevision)
      throw new TransferError(`line ${lineNo}: stream ${e.streamId} jumps to revision ${e.revision}, expected ${expectedRevision}`);
    next.set(e.streamId, e.revision + 1);
    digest.add(e);
    addToChain(chain, e, lineNo);
    const last = pending[pending.length - 1];
    if (last && (last.streamId !== e.streamId || pending.length >= 100)) await flush();
    pending.push(e);
  }
  await flush();
  if (!header) throw new TransferError('empty input: no header');
  if (!trailer) throw new TransferError('the export is truncated: no trailer line');
  const fromFile = digest.summary();
  if (trailer.events !== fromFile.events || trailer.digest !== fromFile.digest)
    throw new TransferError(
      `the export does not match its own trailer (${fromFile.events} events, digest ${fromFile.digest}; trailer says ${trailer.events}, ${trailer.digest})`,
    );
  assertChainHolds(chain);
  await untilReadable(store);
  const inTarget = await summariseStore(store, (s) => fromFile.streams.has(s));
  compareSummaries(fromFile, inTarget);
  return { ...fromFile, appended, replayed };
};

/**
 * Waits (up to `ms`) until every committed event is readable: a reader stops below the oldest
 * transaction still open on the server (ADR 0002), another database's included, so a busy
 * shared server can hide what was just appended.
 */
const untilReadable = async (store: EventStore, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && (await store.headPosition()) < (await store.latestPosition()))
    await new Promise((resolve) => setTimeout(resolve, 20));
};

/** Feeds an export line's event to a chain verifier (its position: the source's, else the line number). */
export const addToChain = (chain: LogVerifier, e: EventLine | Record<string, unknown>, lineNo: number): void => {
  const line = e as EventLine;
  chain.add({ ...line, position: BigInt(line.position ?? lineNo) });
};

/** Throws a TransferError naming the events of an export that its signed checkpoints contradict (ADR 0019). */
export const assertChainHolds = (chain: LogVerifier): void => {
  const checked = chain.verify();
  if (checked.ok) return;
  const problems = checked.origins.flatMap((o) => o.problems);
  throw new TransferError(
    `the export does not match its signed checkpoints: ${problems
      .slice(0, 5)
      .map((p) => `${p.kind} ${p.eventId ?? ''} (${p.detail})`)
      .join('; ')}${problems.length > 5 ? ` and ${problems.length - 5} more` : ''}`,
  );
};

/** Throws a TransferError naming the first difference between two logs' summaries. */
export const compareSummaries = (expected: LogSummary, actual: LogSummary): void => {
  for (const [stream, count] of expected.streams) {
    const got = actual.streams.get(stream) ?? 0;
    if (got !== count)
      throw new TransferError(`verification failed: stream ${stream} has ${got} events in the target, ${count} in the export`);
  }
  if (actual.events !== expected.events)
    throw new TransferError(`verification failed: ${actual.events} events in the target, ${expected.events} in the export`);
  if (actual.digest !== expected.digest)
    throw new TransferError(
      `verification failed: digest ${actual.digest} in the target, ${expected.digest} in the export (order or content differ)`,
    );
};
