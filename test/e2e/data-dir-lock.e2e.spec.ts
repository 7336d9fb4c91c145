import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AS, ORGS } from '../support/api-harness';
import { buildIfStale, type EmbeddedNode, runCli, runRefusedNode, startEmbeddedNode } from '../support/embedded-node';

// One process per DATA_DIR: while a node runs on a folder, a second node and a CLI command
// that opens the store are refused at once (non-zero, naming the folder and the holder's
// pid) and change nothing there; the first node keeps serving. `status` asks the running
// node over its API instead of opening the store.

// What is in the folder besides PGlite's files; the lock directory's mtime is the holder's
// heartbeat, so only its presence counts.
const snapshot = (dir: string): string =>
  readdirSync(dir)
    .filter((name) => name !== 'pglite')
    .map((name) => (name === 'vaxledger.lock' ? name : `${name}:${statSync(join(dir, name)).mtimeMs}`))
    .sort()
    .join(',');

describe('a DATA_DIR in use by a running node', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-lock-'));
  let node: EmbeddedNode;

  beforeAll(async () => {
    buildIfStale();
    node = await startEmbeddedNode(dataDir);
  }, 300_000);
  afterAll(async () => {
    await node?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second node and a CLI command that opens the store, while the first keeps serving', async () => {
    const before = snapshot(dataDir);
    const inUse = `DATA_DIR ${dataDir} is in use by process ${node.pid}`;

    const second = await runRefusedNode(dataDir);
    expect(second.code).toBe(1);
    expect(second.output).toContain(inUse);

    const cli = runCli(['store', 'export'], { DATA_DIR: dataDir, PORT: '1' });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(inUse);
    expect(cli.stdout).toBe('');

    expect(snapshot(dataDir)).toBe(before);
    const created = await node.http
      .post('/v1/organisations')
      .set(AS.regulator)
      .send({ orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });
    expect(created.status).toBe(201);
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
  }, 120_000);

  it('answers `status` from the running node over its API', () => {
    const status = runCli(['status', '--json'], { DATA_DIR: dataDir, PORT: String(node.port) });
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ source: node.url, status: 'ok', store: { adapter: expect.any(String) } });
    // Given only the DATA_DIR (PORT another one): the node that holds it said where it listens.
    const byFolder = runCli(['status', '--json'], { DATA_DIR: dataDir, PORT: '1' });
    expect({ status: byFolder.status, stderr: byFolder.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(byFolder.stdout)).toMatchObject({ source: `http://127.0.0.1:${node.port}`, status: 'ok' });
  });
});
