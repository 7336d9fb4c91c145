import { mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { lock as properLock } from 'proper-lockfile';

/**
 * One process per DATA_DIR (docs/adr/0014-embedded-key-file-and-lock.md). PGlite keeps the whole database in one process's
 * memory: a second process on the same files loses what the first writes and can leave the
 * folder unopenable. Before the embedded store opens, the node takes an exclusive lock on
 * the folder with proper-lockfile (an atomic `mkdir` of `vaxledger.lock`, kept fresh by its
 * mtime) and writes who holds it to `vaxledger.owner.json` beside it.
 *
 * A lock left by a process that died without releasing it (SIGKILL, power cut) must not
 * block the next start: it is stale when its owner's pid no longer runs on this host (or is
 * our own pid: a container restarted as pid 1 again), or when its mtime has not moved for
 * `STALE_MS` (a holder on another host, or a reused pid).
 */
export const LOCK_DIR = 'vaxledger.lock';
export const OWNER_FILE = 'vaxledger.owner.json';
const STALE_MS = 60_000;

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(`DATA_DIR ${dataDir} is in use by ${pid === null ? 'another process' : `process ${pid}`}`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  release(): Promise<void>;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  /** Identity of the lock directory this owner created, so an old owner file is never trusted for a new lock. */
  readonly lockIno: number;
  readonly lockBirth: number;
  readonly since: string;
  /** The HTTP port the owner serves its API on, once it listens (a node; CLI commands serve none). */
  readonly port?: number;
}

const lockIdentity = (lockPath: string): { ino: number; birth: number } | null => {
  try {
    const s = statSync(lockPath);
    return { ino: s.ino, birth: Math.round(s.birthtimeMs) };
  } catch {
    return null;
  }
};

const readOwner = (dataDir: string): Owner | null => {
  try {
    return JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return null;
  }
};

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The owner of the current lock, when its owner file belongs to it. */
const currentOwner = (dataDir: string): Owner | null => {
  const owner = readOwner(dataDir);
  const id = lockIdentity(join(dataDir, LOCK_DIR));
  if (!owner || !id || owner.lockIno !== id.ino || owner.lockBirth !== id.birth) return null;
  return owner;
};

// Written whole or not at all: a reader never sees half an owner.
const writeOwner = (dataDir: string, owner: Owner): void => {
  const tmp = join(dataDir, `${OWNER_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(owner));
  renameSync(tmp, join(dataDir, OWNER_FILE));
};

/**
 * Notes in the owner file the port this process's API listens on, so that `status` and other
 * commands find the running node whatever PORT they were given. Only the lock's own owner writes.
 */
export const announcePort = (dataDirSetting: string, port: number): void => {
  const dataDir = resolve(dataDirSetting);
  const owner = currentOwner(dataDir);
  if (owner?.pid === process.pid && owner.host === hostname()) writeOwner(dataDir, { ...owner, port });
};

/** The port of the node that holds `dataDir` on this host, when one runs and has announced it. */
export const runningNodePort = (dataDirSetting: string): number | null => {
  const owner = currentOwner(resolve(dataDirSetting));
  if (!owner || owner.host !== hostname() || !isRunning(owner.pid) || typeof owner.port !== 'number') return null;
  return owner.port;
};

const takeLock = (dataDir: string, onCompromised: (error: Error) => void): Promise<() => Promise<void>> =>
  properLock(dataDir, {
    lockfilePath: join(dataDir, LOCK_DIR),
    stale: STALE_MS,
    update: 5_000,
    realpath: false,
    onCompromised,
  });

/**
 * Takes the lock on `dataDir` (created if missing) or throws DataDirInUseError naming the
 * holder, without touching anything in the folder. `onCompromised` is called if another
 * process took the lock from us meanwhile (only after it judged ours stale): the caller must
 * stop at once.
 */
export const lockDataDir = async (dataDirSetting: string, onCompromised: (error: Error) => void): Promise<DataDirLock> => {
  const dataDir = resolve(dataDirSetting);
  const existing = statSync(dataDir, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory())
    throw new Error(`DATA_DIR ${dataDir} is a file, not a folder: name a folder (it is created if missing)`);
  mkdirSync(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_DIR);
  let release: () => Promise<void>;
  try {
    release = await takeLock(dataDir, onCompromised);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = currentOwner(dataDir);
    const dead = owner !== null && owner.host === hostname() && (owner.pid === process.pid || !isRunning(owner.pid));
    if (!dead) throw new DataDirInUseError(dataDir, owner?.pid ?? null);
    // The holder is gone: age the lock so that proper-lockfile's own stale takeover removes it.
    // If another process started at the same moment and already holds a fresh lock, its
    // mtime check sees the change and it stops (onCompromised) rather than share the folder.
    utimesSync(lockPath, 0, 0);
    try {
      release = await takeLock(dataDir, onCompromised);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      throw new DataDirInUseError(dataDir, currentOwner(dataDir)?.pid ?? null);
    }
  }
  const id = lockIdentity(lockPath);
  const owner: Owner = {
    pid: process.pid,
    host: hostname(),
    lockIno: id?.ino ?? -1,
    lockBirth: id?.birth ?? -1,
    since: new Date().toISOString(),
  };
  writeOwner(dataDir, owner);
  let released = false;
  return {
    dataDir,
    release: async () => {
      if (released) return;
      released = true;
      // Never remove the owner file of a process that took the lock over from us.
      const current = readOwner(dataDir);
      if (current?.pid === owner.pid && current.lockIno === owner.lockIno) rmSync(join(dataDir, OWNER_FILE), { force: true });
      await release().catch(() => undefined);
    },
  };
};
