import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { EventStore } from '@vaxledger/event-store';
import { Presets, SingleBar } from 'cli-progress';
import { LogVerifier } from '@vaxledger/event-store';
import {
  addToChain,
  assertChainHolds,
  compareSummaries,
  exportLog,
  importLog,
  LOG_FORMAT,
  LogDigest,
  type LogSummary,
  summariseStore,
  TransferError,
} from './store-transfer';

export const STORE_USAGE = `  store export [--out FILE]              the whole log as NDJSON (stdout by default), progress on stderr
  store import [--in FILE]               append an export (stdin by default) keeping ids, revisions and order, then verify
  store verify [--in FILE]               compare an export with this node's log: counts per stream and digest`;

export class StoreUsageError extends Error {}

export interface StoreCommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

const option = (args: readonly string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) throw new StoreUsageError(`${name} needs a file name`);
  return value;
};

/**
 * Progress on stderr: on a terminal a cli-progress bar when the total is known (an import
 * from a file, counted first) and a line rewritten in place otherwise; off a terminal a
 * plain line every few seconds.
 */
const progressOn = (stderr: Writable, verb: string, total?: number): { update: (n: number) => void; done: (n: number) => void } => {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  const started = Date.now();
  let lastLine = 0;
  const line = (n: number): string => {
    const seconds = (Date.now() - started) / 1000;
    return `${verb} ${n} events (${Math.round(n / Math.max(seconds, 0.001))} events/s)`;
  };
  if (tty && total !== undefined) {
    const bar = new SingleBar(
      { stream: stderr as NodeJS.WritableStream, format: `${verb} {bar} {percentage}% | {value}/{total} events | eta {eta_formatted}` },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      update: (n) => bar.update(n),
      done: (n) => {
        bar.update(n);
        bar.stop();
        stderr.write(`${line(n)}\n`);
      },
    };
  }
  return {
    update: (n) => {
      if (tty) stderr.write(`\r${line(n)}`);
      else if (Date.now() - lastLine > 2_000) {
        lastLine = Date.now();
        stderr.write(`${line(n)}\n`);
      }
    },
    done: (n) => stderr.write(`${tty ? '\r' : ''}${line(n)}\n`),
  };
};

/** Writes a line and waits when the stream asks to (a slow pipe or disk holds the reader back). */
const lineWriter =
  (out: Writable) =>
  async (line: string): Promise<void> => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };

const summaryLine = (s: LogSummary): string => `${s.events} events in ${s.streams.size} streams, sha256 ${s.digest}`;

/** `store export|import|verify`; the store is this node's (EVENT_STORE, DATABASE_URL, KURRENTDB_URL). */
export const runStoreCommand = async (store: EventStore, args: readonly string[], io: StoreCommandIo): Promise<number> => {
  const [sub, ...rest] = args;
  try {
    if (sub === 'export') {
      const file = option(rest, '--out');
      const out = file ? createWriteStream(file) : io.stdout;
      const progress = progressOn(io.stderr, 'exported');
      const summary = await exportLog(store, lineWriter(out), progress.update);
      progress.done(summary.events);
      if (file) {
        out.end();
        await once(out, 'finish');
      }
      io.stderr.write(`exported ${summaryLine(summary)} from ${store.capabilities.adapter}\n`);
      return 0;
    }
    if (sub === 'import' || sub === 'verify') {
      const file = option(rest, '--in');
      // Opened only when read: readline starts reading at once and would drop lines nobody awaits yet.
      const linesOf = (): AsyncIterable<string> =>
        createInterface({ input: file ? createReadStream(file, 'utf8') : io.stdin, crlfDelay: Infinity });
      if (sub === 'import') {
        // A file can be read twice: check it against its own trailer and signed checkpoints before appending anything.
        const counted = file ? await summariseExport(linesOf()) : null;
        const progress = progressOn(io.stderr, 'imported', counted?.events);
        const summary = await importLog(store, linesOf(), progress.update);
        progress.done(summary.appended + summary.replayed);
        io.stderr.write(
          `imported ${summaryLine(summary)} into ${store.capabilities.adapter} (${summary.appended} appended, ${summary.replayed} already there); verified\n`,
        );
        io.stderr.write(`${LOG_ONLY_NOTE}\n`);
        return 0;
      }
      const fromFile = await summariseExport(linesOf());
      compareSummaries(fromFile, await summariseStore(store, (s) => fromFile.streams.has(s)));
      io.stderr.write(`verified ${summaryLine(fromFile)}: the ${store.capabilities.adapter} log holds the same\n`);
      return 0;
    }
    throw new StoreUsageError(`unknown store command ${sub ?? '(none)'}`);
  } catch (error) {
    if (error instanceof TransferError) {
      io.stderr.write(`vaxledger: store ${sub}: ${error.message}\n`);
      // From a file, everything is checked before the first append; from a pipe it cannot be.
      if (sub === 'import' && !option(rest, '--in'))
        io.stderr.write(
          'vaxledger: store import: events before that line may have been appended; import the whole export again to complete it (events already there are skipped)\n',
        );
      return 1;
    }
    throw error;
  }
};

/** What an import does not bring: said after every import, since a log alone is not a node. */
export const LOG_ONLY_NOTE =
  'note: an export holds the log only. Person details (the vault) and the node keys (vault.key, sync-signing.key in DATA_DIR) ' +
  "are not in it: without the source's vault its persons have no names or birth dates here, and its signed checkpoints verify " +
  "(log verify) only where the source's sync key is known (its sync-signing.key, or a trust list). To move a whole embedded node, " +
  'stop it and copy its DATA_DIR.';

/** Summary of an export file, checked against its trailer. */
const summariseExport = async (lines: AsyncIterable<string>): Promise<LogSummary> => {
  const digest = new LogDigest();
  const chain = new LogVerifier();
  let trailer: Record<string, unknown> | null = null;
  let first = true;
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const text = raw.trim();
    if (!text) continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new TransferError('the export holds a line that is not JSON');
    }
    if (first) {
      first = false;
      if (value.kind !== 'header' || value.format !== LOG_FORMAT) throw new TransferError(`not a ${LOG_FORMAT} export (header missing)`);
      continue;
    }
    if (value.kind === 'trailer') trailer = value;
    else {
      digest.add(value as never);
      addToChain(chain, value, lineNo);
    }
  }
  const summary = digest.summary();
  if (!trailer) throw new TransferError('the export is truncated: no trailer line');
  if (trailer.digest !== summary.digest || trailer.events !== summary.events)
    throw new TransferError(`the export does not match its own trailer (digest ${summary.digest}, trailer ${String(trailer.digest)})`);
  assertChainHolds(chain);
  return summary;
};
