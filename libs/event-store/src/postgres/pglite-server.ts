import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** A `postgres://` URL that the ordinary `pg` driver connects to. */
  readonly url: string;
  stop(): Promise<void>;
}

interface QueuedMessage {
  readonly handlerId: number;
  readonly message: Uint8Array;
  readonly onData: (data: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (error: Error) => void;
}

const PROTOCOL_3 = 196608;
/** At most every 5 s and after 2,000 messages of work (a few hundred doses in bulk, ~30 one by one). */
const VACUUM_SCHEDULE = { everyMs: 5_000, afterMessages: 2_000 };
/** Frontend messages after which a connection has nothing half-done in the engine. */
const SEQUENCE_ENDS = new Set([0x53 /* S Sync */, 0x51 /* Q Query */, 0x58 /* X Terminate */]);

/**
 * The SQL text of a Parse or simple Query message, for a stall report: never a Bind (which
 * carries the parameter values, personal data among them), and cut short.
 */
export const statementText = (message: Uint8Array): string | null => {
  const type = message[0];
  if (type !== 0x50 /* P Parse */ && type !== 0x51 /* Q Query */) return null;
  let start = 5;
  if (type === 0x50) {
    const nameEnd = message.indexOf(0, start);
    if (nameEnd < 0) return null;
    start = nameEnd + 1;
  }
  const end = message.indexOf(0, start);
  const text = Buffer.from(message.subarray(start, end < 0 ? message.length : end)).toString('utf8');
  return text.replace(/\s+/g, ' ').trim().slice(0, 160);
};

/** What waits behind an open transaction of another connection, when it has waited too long. */
export interface StallReport {
  readonly waitedMs: number;
  /** The statement the transaction's connection ran last (SQL text, no values). */
  readonly holderLastStatement: string | null;
  /** The statements other connections have queued (SQL text, no values). */
  readonly waiting: readonly string[];
}

/** A startup packet has no type byte: length, then the protocol version. */
const isStartup = (message: Uint8Array): boolean =>
  message.length >= 8 && new DataView(message.buffer, message.byteOffset, message.byteLength).getInt32(4) === PROTOCOL_3;

const endsSequence = (message: Uint8Array): boolean => {
  if (isStartup(message)) return true;
  return SEQUENCE_ENDS.has(message[0]!);
};

/**
 * Hands PGlite (one session, one statement at a time) the messages of many connections.
 * pglite-socket's own queue switches connection between any two messages unless a
 * transaction is open, so the Parse/Bind/Execute/Sync of two connections' parameterised
 * queries can interleave and corrupt each other ("bind message supplies 1 parameters,
 * but prepared statement requires 3"). This queue keeps serving one connection until it
 * reaches a Sync or simple Query outside a transaction, then moves on.
 */
export class SessionAffineQueue {
  private queue: QueuedMessage[] = [];
  private processing = false;
  private closed = false;
  /** The connection the engine is in the middle of serving, if any. */
  private owner: number | null = null;
  /** Messages served since the last VACUUM, and when it ran. */
  private served = 0;
  private vacuumedAt = Date.now();
  /** The last statement each connection ran (for a stall report), and the stall watch. */
  private readonly lastStatement = new Map<number, string>();
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: PGlite,
    private readonly vacuum: { everyMs: number; afterMessages: number } | null = VACUUM_SCHEDULE,
    private readonly stall: { afterMs: number; report: (stall: StallReport) => void } | null = null,
  ) {}

  /**
   * One session serves every connection: a statement sent on a second connection while the
   * code that sent it holds a transaction open on a first one waits for ever. That is a bug
   * in the caller, and it shows as a node that stops answering; this names it instead.
   */
  private watchForStall(): void {
    if (!this.stall || this.stallTimer) return;
    const owner = this.owner;
    const served = this.served;
    const since = Date.now();
    const { afterMs, report } = this.stall;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      if (this.closed || this.owner !== owner || this.served !== served || this.queue.length === 0) return;
      report({
        waitedMs: Date.now() - since,
        holderLastStatement: owner === null ? null : (this.lastStatement.get(owner) ?? null),
        waiting: this.queue
          .map((q) => statementText(q.message) ?? (isStartup(q.message) ? '(a new connection)' : null))
          .filter((t): t is string => t !== null),
      });
    }, afterMs);
    this.stallTimer.unref();
  }

  /**
   * PGlite runs no autovacuum: rows updated at every dose (guard stock, streams, grants, the
   * read models' counters and checkpoints) would pile up dead versions that every later
   * lookup walks through, and appends got slower as the log grew (50,000-dose demo, issue 13).
   * Between two connections' turns, after enough work, a plain VACUUM clears them; it skips
   * the pages already all-visible, so it costs about the pages written since the last one.
   */
  private async vacuumIfDue(): Promise<void> {
    if (!this.vacuum || this.served < this.vacuum.afterMessages || Date.now() - this.vacuumedAt < this.vacuum.everyMs) return;
    if (this.owner !== null || this.db.isInTransaction()) return;
    this.served = 0;
    try {
      // Not under runExclusive: exec takes the engine's own lock (nesting them would wait for ever).
      await this.db.exec('VACUUM');
    } catch {
      // Housekeeping only: the next turn tries again.
    }
    this.vacuumedAt = Date.now();
  }

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the embedded database is stopping'));
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((q) => q.handlerId !== handlerId);
    this.lastStatement.delete(handlerId);
  }

  /** A connection went away: roll back what it left open and let the others in. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    this.owner = null;
    // Sockets also detach while the server stops, after the engine is closed: nothing to roll back then.
    if (this.closed) return;
    try {
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    } catch {
      // The engine refused the rollback (closing): the next statement finds the state it finds.
    }
    void this.process();
  }

  /** The server is stopping: the engine is (about to be) closed. */
  close(): void {
    this.closed = true;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    for (const waiting of this.queue.splice(0)) waiting.reject(new Error('the embedded database is stopping'));
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const index = this.owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === this.owner);
        // The owning connection's next message has not arrived yet: wait for it.
        if (index < 0) {
          this.watchForStall();
          break;
        }
        const [next] = this.queue.splice(index, 1);
        if (!next) break;
        if (this.stall) {
          const text = statementText(next.message);
          if (text !== null) this.lastStatement.set(next.handlerId, text);
        }
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                next.onData(data);
              },
            }),
          );
        } catch (error) {
          this.owner = null;
          next.reject(error instanceof Error ? error : new Error(String(error)));
          continue;
        }
        this.owner = endsSequence(next.message) && !this.db.isInTransaction() ? null : next.handlerId;
        next.resolve(bytes);
        this.served += 1;
        if (this.owner === null) await this.vacuumIfDue();
      }
    } finally {
      this.processing = false;
    }
  }
}

/**
 * A new folder: creating the cluster (initdb) grows PGlite's WebAssembly memory to ~600 MB,
 * and WebAssembly memory never shrinks, nor is it handed back when the instance is closed
 * until a garbage collection happens to free it. A short-lived child process does the
 * creation, so the node itself starts with the memory a restart has.
 */
const createClusterInChildProcess = async (dataDir: string): Promise<void> => {
  const script = [
    `const { PGlite } = require(${JSON.stringify(require.resolve('@electric-sql/pglite'))});`,
    'PGlite.create(process.argv[1]).then((db) => db.close()).then(',
    '  () => process.exit(0),',
    '  (error) => { process.stderr.write(String(error && error.message || error)); process.exit(1); });',
  ].join('\n');
  try {
    await promisify(execFile)(process.execPath, ['-e', script, dataDir], { timeout: 120_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`could not create the embedded database in ${dataDir}: ${stderr || (error as Error).message}`);
  }
};

/**
 * The embedded default: PostgreSQL compiled to WASM (PGlite), its files in `dataDir`
 * (or in memory), served on a loopback port through pglite-socket's protocol handler so
 * the product reaches it with the same `pg` code and SQL as a real server.
 */
export const startEmbeddedPostgres = async (options: {
  dataDir?: string;
  port?: number;
  maxConnections?: number;
  /** PostgreSQL's shared_buffers (e.g. `16MB`); PGlite's default, 160 MB, is most of an idle node's memory. */
  sharedBuffers?: string;
  /** Told once per stall when statements have waited this long behind another connection's open transaction. */
  onStall?: { afterMs: number; report: (stall: StallReport) => void };
}): Promise<EmbeddedPostgres> => {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pgliteOptions = options.sharedBuffers
    ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`] }
    : {};
  if (options.dataDir && !existsSync(join(options.dataDir, 'PG_VERSION'))) await createClusterInChildProcess(options.dataDir);
  const db = await PGlite.create(options.dataDir, pgliteOptions);
  const queue = new SessionAffineQueue(db, VACUUM_SCHEDULE, options.onStall ?? null);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (sockets.size >= (options.maxConnections ?? 64)) {
      socket.end();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'],
      closeOnDetach: true,
    });
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      queue.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
};
