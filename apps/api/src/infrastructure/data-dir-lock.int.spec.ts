import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { announcePort, DataDirInUseError, LOCK_DIR, lockDataDir, OWNER_FILE, runningNodePort } from './data-dir-lock';

// The DATA_DIR lock on a real file system. A holder is played by writing what a running
// process leaves (the lock directory and its owner file) with a live or a dead pid; the
// whole-process behaviour is in test/e2e/data-dir-lock.e2e.spec.ts.

const deadPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
};

/** What a process holding the lock leaves on disk. */
const leaveLock = (dataDir: string, pid: number, host = hostname()): void => {
  const lockPath = join(dataDir, LOCK_DIR);
  mkdirSync(lockPath);
  const s = statSync(lockPath);
  writeFileSync(
    join(dataDir, OWNER_FILE),
    JSON.stringify({ pid, host, lockIno: s.ino, lockBirth: Math.round(s.birthtimeMs), since: new Date().toISOString() }),
  );
};

describe('the DATA_DIR lock', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-lock-'));
    dirs.push(dir);
    return dir;
  };
  const noop = (): void => undefined;
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is taken on a free folder (created if missing), names its owner, and is gone after release', async () => {
    const dataDir = join(fresh(), 'data');
    const lock = await lockDataDir(dataDir, noop);
    expect(JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    await lock.release();
    expect(readdirSync(dataDir)).toEqual([]);
    await (await lockDataDir(dataDir, noop)).release();
  });

  it('refuses a folder held by a running process, naming its pid and changing nothing', async () => {
    const dataDir = fresh();
    leaveLock(dataDir, process.ppid);
    const owner = readFileSync(join(dataDir, OWNER_FILE), 'utf8');
    const lockMtime = statSync(join(dataDir, LOCK_DIR)).mtimeMs;
    const refusal = lockDataDir(dataDir, noop);
    await expect(refusal).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(refusal).rejects.toThrow(`DATA_DIR ${dataDir} is in use by process ${process.ppid}`);
    expect(readFileSync(join(dataDir, OWNER_FILE), 'utf8')).toBe(owner);
    expect(statSync(join(dataDir, LOCK_DIR)).mtimeMs).toBe(lockMtime);
  });

  it('takes over at once a lock whose process is gone (SIGKILL, power cut)', async () => {
    const dataDir = fresh();
    leaveLock(dataDir, deadPid());
    const lock = await lockDataDir(dataDir, noop);
    expect(JSON.parse(readFileSync(join(dataDir, OWNER_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('does not trust an owner file left from an earlier lock: the new holder is still starting', async () => {
    const dataDir = fresh();
    leaveLock(dataDir, deadPid());
    // The lock directory is replaced by a newer holder that has not written its owner file yet.
    rmSync(join(dataDir, LOCK_DIR), { recursive: true });
    await new Promise((r) => setTimeout(r, 20)); // a reused inode still differs in its birth time
    mkdirSync(join(dataDir, LOCK_DIR));
    utimesSync(join(dataDir, LOCK_DIR), new Date(), new Date(Date.now() + 5_000));
    await expect(lockDataDir(dataDir, noop)).rejects.toThrow(`DATA_DIR ${dataDir} is in use by another process`);
  });

  it('names a DATA_DIR that is a file instead of failing on mkdir', async () => {
    const file = join(fresh(), 'not-a-folder');
    writeFileSync(file, 'x');
    await expect(lockDataDir(file, noop)).rejects.toThrow(`DATA_DIR ${file} is a file, not a folder`);
  });

  it('records the port its holder announces, for the CLI to find the node', async () => {
    const dataDir = fresh();
    const lock = await lockDataDir(dataDir, noop);
    expect(runningNodePort(dataDir)).toBeNull();
    announcePort(dataDir, 4321);
    expect(runningNodePort(dataDir)).toBe(4321);
    await lock.release();
    expect(runningNodePort(dataDir)).toBeNull();
  });

  it('takes over a lock on another host only once its heartbeat stopped for a minute', async () => {
    const dataDir = fresh();
    leaveLock(dataDir, process.ppid, 'another-host');
    await expect(lockDataDir(dataDir, noop)).rejects.toThrow(/is in use by process/);
    const old = new Date(Date.now() - 61_000);
    utimesSync(join(dataDir, LOCK_DIR), old, old);
    const lock = await lockDataDir(dataDir, noop);
    await lock.release();
  });
});
