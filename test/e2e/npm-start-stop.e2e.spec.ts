import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIfStale, freePort, ROOT } from '../support/embedded-node';

// The README's `npm start`, stopped the way a service manager or `docker stop` stops it: SIGTERM
// to npm's process alone. npm passes the signal to its script's shell; unless the shell has
// handed its process over to the node (`exec`), the node never sees it and keeps running, with
// the data folder locked, until something kills it without a clean stop.

describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-npm-start-'));
  beforeAll(() => buildIfStale(), 300_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops cleanly when only npm gets SIGTERM', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    npm.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    npm.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const exited = new Promise<number | string>((resolve) => npm.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    const up = async (): Promise<boolean> =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
    for (let i = 0; !(await up()); i++) {
      if (i > 600) throw new Error(`not healthy:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    npm.kill('SIGTERM');
    await exited;
    // The node itself stopped, said so, and no longer answers.
    for (let i = 0; !output.join('').includes('vaxledger: stopped') || (await up()); i++) {
      if (i > 300) throw new Error(`the node did not stop:\n${output.join('').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(output.join('')).toMatch(/vaxledger: SIGTERM: stopping/);
  }, 120_000);
});
