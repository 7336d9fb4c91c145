import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';

/**
 * The embedded default started as the README says: the built `dist/apps/api/src/main.js`
 * with PORT and DATA_DIR and nothing else (no DATABASE_URL, no Kafka, no vault key), in a
 * process of its own.
 */
export const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const CLI = join(ROOT, 'dist/apps/cli/src/main.js');

/** Builds dist/ when a source is newer (what `npm start` does). */
export const buildIfStale = (): void => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.cjs'), '--if-stale'], { cwd: ROOT, stdio: 'ignore', timeout: 300_000 });
};

/** Only what a user's shell would pass: the test run's DATABASE_URL and Kafka settings stay out. */
const cleanEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LOG_LEVEL: 'warn',
  ...extra,
});

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

export interface EmbeddedNode {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly output: string[];
  readonly http: TestAgent;
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** Waits until every projection has caught up with the log (lag 0 on /health). */
  settle(timeoutMs?: number): Promise<void>;
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | string>;
}

const spawnNode = (dataDir: string, port: number): { child: ChildProcess; output: string[]; exited: Promise<number | string> } => {
  const output: string[] = [];
  const child = spawn(process.execPath, [MAIN], {
    env: cleanEnv({ PORT: String(port), DATA_DIR: dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output, exited };
};

const caughtUp = (health: { projections?: { lag: unknown }[] }): boolean =>
  (health.projections ?? []).every((p) => {
    const lag = p.lag as number | string | { events?: number } | null;
    if (lag === null) return false; // not measured: not known to be caught up
    return typeof lag === 'object' ? lag.events === 0 : Number(lag) === 0;
  });

export const startEmbeddedNode = async (dataDir: string, timeoutMs = 90_000): Promise<EmbeddedNode> => {
  const port = await freePort();
  const { child, output, exited } = spawnNode(dataDir, port);
  let code: number | string | undefined;
  void exited.then((c) => (code = c));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (code !== undefined) throw new Error(`node exited with ${code} before it was healthy:\n${output.join('')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node not healthy after ${timeoutMs} ms:\n${output.join('')}`);
    }
    if (
      await fetch(`${url}/health`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid ?? -1,
    output,
    http: request(url),
    exited,
    settle: async (settleMs = 30_000) => {
      const until = Date.now() + settleMs;
      while (!caughtUp((await (await fetch(`${url}/health`)).json()) as { projections?: { lag: unknown }[] })) {
        if (Date.now() > until) throw new Error('projections did not catch up');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async (signal) => {
      if (code === undefined) child.kill(signal);
      return exited;
    },
  };
};

/** Starts a node expected to refuse: resolves with its exit code and output once it ends. */
export const runRefusedNode = async (dataDir: string, timeoutMs = 30_000): Promise<{ code: number | string; output: string }> => {
  const { child, output, exited } = spawnNode(dataDir, await freePort());
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, output: output.join('') };
};

/** Runs the built CLI (as `npm run cli -- ...` does once built) and returns its status and output. */
export const runCli = (
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): { status: number | null; stdout: string; stderr: string } => {
  const run = spawnSync(process.execPath, [CLI, ...args], { env: cleanEnv(env), encoding: 'utf8', timeout: timeoutMs });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
};

export const CLI_PATH = CLI;
