import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { InboxConsumer, OutboxRelay, SyncStore } from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../support/database';
import { until } from '../support/until';

// A Kafka broker of this test's own (deploy/local/kafka on another port) is stopped and
// started again while province A keeps appending: province B still ends with every event
// exactly once.

const ROOT = join(__dirname, '..', '..');
const A = '510000';
const B = '440000';
const TOTAL = 1500;
const port = 19200 + Math.floor(Math.random() * 400) * 2;
const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_RUN_DIR: mkdtempSync(join(tmpdir(), 'vx-kafka-')) };
const broker = (command: 'start' | 'stop'): void => {
  execFileSync('bash', [join(ROOT, 'deploy/local/kafka'), command], { env, stdio: 'ignore', timeout: 120_000 });
};

describe('a Kafka broker restarted during traffic', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  pool.on('error', () => undefined);
  const schemaB = freshSchema('restart_b');
  let storeA: PostgresEventStore;
  let storeB: PostgresEventStore;
  let relay: OutboxRelay;
  let inbox: InboxConsumer;

  beforeAll(async () => {
    broker('start');
    const kafka = new Kafka({
      clientId: 'vx-restart',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 30, maxRetryTime: 5000 },
    });
    storeA = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('restart_a'),
      engine: testDatabaseKind(),
      pollIntervalMs: 20,
    });
    storeB = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: schemaB,
      engine: testDatabaseKind(),
      pollIntervalMs: 20,
    });
    const syncA = new SyncStore(pool, freshSchema('restart_sa'));
    const syncB = new SyncStore(pool, freshSchema('restart_sb'));
    await syncA.migrate();
    await syncB.migrate();
    relay = new OutboxRelay(kafka, storeA, syncA, { provinceCode: A });
    inbox = new InboxConsumer(kafka, storeB, syncB, { provinceCode: B, origins: [A] });
    await relay.start();
    await inbox.start();
  }, 180_000);

  afterAll(async () => {
    await inbox?.stop().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await storeA?.close();
    await storeB?.close();
    await pool.end();
    broker('stop');
  }, 120_000);

  const inB = async (): Promise<{ total: number; distinct: number }> =>
    (
      await pool.query<{ total: number; distinct: number }>(
        `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM ${schemaB}.events`,
      )
    ).rows[0]!;

  it('loses nothing and applies nothing twice', async () => {
    let restarted = false;
    for (let i = 0; i < TOTAL / 5; i++) {
      const personId = `p1${randomBytes(16).toString('hex').slice(0, 26)}`;
      const events: NewEvent[] = Array.from({ length: 5 }, (_, n) => ({
        eventId: randomUUID(),
        type: 'DoseAdministered',
        schemaVersion: 1,
        data: { personId, doseNumber: n + 1, vaccineType: 'Rabies', batchId: '8696321-L1', siteCode: '12510000MB0A1234XJ' },
        metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
      }));
      await storeA.append(`person-${A}-${personId}`, events, { expected: 'no-stream' });
      if (i === TOTAL / 10 && !restarted) {
        // Mid-traffic: the broker goes away (clean stop), A keeps appending, the broker returns.
        restarted = true;
        broker('stop');
        await new Promise((r) => setTimeout(r, 2000));
        broker('start');
      }
    }
    await until(`all ${TOTAL} events in B`, async () => (await inB()).total >= TOTAL, 150_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(restarted).toBe(true);
    expect(await inB()).toEqual({ total: TOTAL, distinct: TOTAL });
  }, 300_000);
});
