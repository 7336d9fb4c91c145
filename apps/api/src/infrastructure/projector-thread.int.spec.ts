import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProjectorThread } from './projector-thread';

// A projector thread that dies after it started is reported (the runtime then runs the
// projector in the API process instead of stalling every read-your-writes wait), and a stop
// afterwards returns at once.

const threadFile = (body: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'vx-thread-')), 'thread.cjs');
  writeFileSync(file, `const { parentPort } = require('node:worker_threads');\n${body}\n`);
  return file;
};
const data = { databaseUrl: 'postgres://unused', engine: 'postgres' as const, vaultMasterKey: '' };

describe('the projector thread', () => {
  it('reports a death after start, and a later stop returns at once', async () => {
    const deaths: string[] = [];
    const thread = await startProjectorThread(
      threadFile("parentPort.postMessage('ready'); setTimeout(() => process.exit(3), 50);"),
      data,
      (reason) => deaths.push(reason),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deaths).toEqual(['exit code 3']);
    await thread.stop();
  });

  it('refuses to start when the thread fails before it is ready', async () => {
    await expect(startProjectorThread(threadFile("parentPort.postMessage('failed: no database');"), data)).rejects.toThrow(
      /failed: no database/,
    );
  });

  it('stops a healthy thread without reporting a death', async () => {
    const deaths: string[] = [];
    const thread = await startProjectorThread(
      threadFile("parentPort.on('message', (m) => { if (m === 'stop') process.exit(0); }); parentPort.postMessage('ready');"),
      data,
      (reason) => deaths.push(reason),
    );
    await thread.stop();
    expect(deaths).toEqual([]);
  });

  it('passes a wake to the thread (a command waits for the read models)', async () => {
    const deaths: string[] = [];
    const thread = await startProjectorThread(
      threadFile("parentPort.on('message', (m) => { if (m === 'wake') process.exit(7); }); parentPort.postMessage('ready');"),
      data,
      (reason) => deaths.push(reason),
    );
    thread.wake();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deaths).toEqual(['exit code 7']);
    // A wake after the thread is gone is dropped, not thrown.
    expect(() => thread.wake()).not.toThrow();
    await thread.stop();
  });

  it('tells the API when the thread has applied a batch', async () => {
    let applied = 0;
    const thread = await startProjectorThread(
      threadFile(
        "parentPort.on('message', (m) => { if (m === 'stop') process.exit(0); }); parentPort.postMessage('ready'); parentPort.postMessage('applied');",
      ),
      data,
      () => undefined,
      () => applied++,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(applied).toBe(1);
    await thread.stop();
  });
});
