import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PostgresEventStore } from '@vaxledger/event-store';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../support/database';
import { testFederation } from '../support/federation';
import { startTestIdp } from '../support/jwt';
import { sample } from '../support/metrics-text';
import { until } from '../support/until';

// A sync worker (SYNC_IN_API=off on the API) is scraped like the API: WORKER_METRICS_PORT
// serves its /metrics, with the messages it published and the projection lag in events.

const ROOT = join(__dirname, '..', '..');
const A = '510000';
const EVENTS = 8;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

describe('a sync worker’s /metrics', () => {
  const brokers = process.env.TEST_KAFKA_BROKERS ?? '';
  const prefix = `vxwm-${randomUUID().slice(0, 8)}`;
  const eventSchema = freshSchema('e2e_wm_es');
  let store: PostgresEventStore;
  let worker: ChildProcess | null = null;
  const output: string[] = [];

  beforeAll(async () => {
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: eventSchema, engine: testDatabaseKind() });
    for (let i = 0; i < EVENTS; i++)
      await store.append(`product-${randomBytes(4).toString('hex')}`, [
        { eventId: randomUUID(), type: 'ProductRegistered', schemaVersion: 1, data: {}, metadata: { originProvince: A } },
      ]);
  }, 180_000);

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await store?.close();
  }, 30_000);

  it('counts the messages it published and shows the lag it leaves to the projector, in events', async () => {
    const port = await freePort();
    const idp = await startTestIdp();
    worker = spawn(process.execPath, [join(ROOT, 'dist/apps/worker/src/main.js'), '--role', 'sync'], {
      env: {
        ...process.env,
        DATABASE_URL: testDatabaseUrl(),
        PROVINCE_CODE: A,
        SYNC_PEERS: '',
        KAFKA_BROKERS: brokers,
        SYNC_TOPIC_PREFIX: prefix,
        EVENT_SCHEMA: eventSchema,
        READ_SCHEMA: freshSchema('e2e_wm_rm'),
        VAULT_SCHEMA: freshSchema('e2e_wm_vault'),
        AUTH_SCHEMA: freshSchema('e2e_wm_auth'),
        SYNC_SCHEMA: freshSchema('e2e_wm_sync'),
        AUTH_MODE: 'jwt',
        ...idp.env,
        ...testFederation([A]).envFor(A),
        WORKER_METRICS_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    worker.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    let lastScrape = '';
    const scrape = async (): Promise<string> => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        lastScrape = res.ok ? await res.text() : `HTTP ${res.status}`;
        return res.ok ? lastScrape : '';
      } catch {
        return '';
      }
    };
    await until(
      `${EVENTS} messages out`,
      async () => sample(await scrape(), 'vaxledger_sync_messages_total', { direction: 'out' }) === EVENTS,
      60_000,
      250,
    ).catch((error: Error) => {
      // What the worker said is the first thing to read when it never published.
      throw new Error(
        `${error.message}; the worker said: ${output.join('').slice(-1500)}; metrics: ${lastScrape
          .split('\n')
          .filter((l) => l.includes('sync') || l.includes('lag'))
          .join(' | ')}`,
      );
    });
    const text = await scrape();
    // The sync role runs no projector: every read model is behind by the whole log.
    expect(sample(text, 'vaxledger_projection_lag_events', { projection: 'master-data' })).toBe(EVENTS);
    expect(sample(text, 'vaxledger_projection_lag_seconds', { projection: 'master-data' })).toBeGreaterThan(0);
    expect(sample(text, 'vaxledger_sync_messages_total', { direction: 'in' })).toBe(0);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  }, 120_000);
});
