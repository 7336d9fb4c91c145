import { join } from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres, type StallReport } from '@vaxledger/event-store';
import { type DataDirLock, lockDataDir } from './data-dir-lock';

/** Enough to cache a clinic's working set; the file system caches the rest (README, "Start time and memory"). */
const EMBEDDED_SHARED_BUFFERS = '16MB';

const exitOnLockLoss = (error: Error): void => {
  process.stderr.write(`vaxledger: lost the DATA_DIR lock (${error.message}): stopping before two processes share the folder\n`);
  process.exit(1);
};

/** An embedded statement waiting this long behind another connection's open transaction is reported. */
const EMBEDDED_STALL_REPORT_MS = 15_000;
const reportEmbeddedStall = (stall: StallReport): void => {
  process.stderr.write(
    `vaxledger: the embedded database has held statements for ${Math.round(stall.waitedMs / 1000)} s behind an open transaction ` +
      `(a statement on a second connection inside a transaction waits for ever on the embedded engine; please report this). ` +
      `Transaction's last statement: ${stall.holderLastStatement ?? '(none)'}; waiting: ${stall.waiting.join(' | ') || '(no statement text)'}\n`,
  );
};

/**
 * The embedded default's engine: DATA_DIR locked to this process, then PGlite started in it
 * (the lock is released again if PGlite does not start).
 */
export const startEmbeddedEngine = async (
  dataDir: string,
  onDataDirLockLost: (error: Error) => void = exitOnLockLoss,
): Promise<{ embedded: EmbeddedPostgres; dataDirLock: DataDirLock }> => {
  // One process per DATA_DIR, decided before PGlite opens a file (docs/adr/0014-embedded-key-file-and-lock.md).
  const dataDirLock = await lockDataDir(dataDir, onDataDirLockLost);
  try {
    const embedded = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'pglite'),
      sharedBuffers: EMBEDDED_SHARED_BUFFERS,
      onStall: { afterMs: EMBEDDED_STALL_REPORT_MS, report: reportEmbeddedStall },
    });
    return { embedded, dataDirLock };
  } catch (error) {
    await dataDirLock.release();
    throw error;
  }
};
