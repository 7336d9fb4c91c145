import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { EnvelopeSigner, OutboxRelay, SyncStore } from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../support/database';
import { testFederation } from '../support/federation';
import { startTestIdp, type TestIdp } from '../support/jwt';
import { until } from '../support/until';

// Province B's sync worker is a real process, killed with SIGKILL in the middle of 5,000
// events from province A and started again: B must end with exactly those 5,000, none twice.

const ROOT = join(__dirname, '..', '..');
const A = '510000';
const B = '440000';
const TOTAL = 5000;

describe('a sync consumer killed mid-stream', () => {
  const brokers = process.env.TEST_KAFKA_BROKERS ?? '';
  const prefix = `vxe2e-${randomUUID().slice(0, 8)}`;
  const schemaA = freshSchema('e2e_a');
  const schemaB = freshSchema('e2e_b');
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  pool.on('error', () => undefined);
  let storeA: PostgresEventStore;
  let relay: OutboxRelay;
  let worker: ChildProcess | null = null;
  // Configured as production is: JWT settings, signing keys and the trust list.
  const federation = testFederation([A, B]);
  let idp: TestIdp;
  const output: string[] = [];

  const startWorker = (): ChildProcess => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/worker/src/main.js'), '--role', 'sync'], {
      env: {
        ...process.env,
        DATABASE_URL: testDatabaseUrl(),
        PROVINCE_CODE: B,
        SYNC_PEERS: A,
        KAFKA_BROKERS: brokers,
        SYNC_TOPIC_PREFIX: prefix,
        SYNC_GROUP_ID: `${prefix}-b`,
        EVENT_SCHEMA: schemaB,
        READ_SCHEMA: freshSchema('e2e_rm'),
        VAULT_SCHEMA: freshSchema('e2e_vault'),
        SYNC_SCHEMA: freshSchema('e2e_sync'),
        AUTH_MODE: 'jwt',
        ...idp.env,
        ...federation.envFor(B),
        WORKER_REPORT_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    return child;
  };

  const importedInB = async (): Promise<{ total: number; distinct: number }> => {
    const { rows } = await pool
      .query<{ total: number; distinct: number }>(
        `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM ${schemaB}.events WHERE metadata->>'originProvince' = $1`,
        [A],
      )
      .catch(() => ({ rows: [{ total: 0, distinct: 0 }] }));
    return rows[0]!;
  };

  beforeAll(async () => {
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    idp = await startTestIdp();
    storeA = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: schemaA,
      engine: testDatabaseKind(),
      pollIntervalMs: 20,
    });
    const syncA = new SyncStore(pool, freshSchema('e2e_sync_a'));
    await syncA.migrate();
    const kafka = new Kafka({ clientId: 'vx-e2e-a', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    relay = new OutboxRelay(kafka, storeA, syncA, {
      provinceCode: A,
      topicPrefix: prefix,
      signer: new EnvelopeSigner(federation.signingKey(A)),
    });
    await relay.start();
  }, 120_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await relay?.stop();
    await storeA?.close();
    await pool.end();
  });

  it('ends with exactly the 5,000 events, none twice', async () => {
    worker = startWorker();
    // 5,000 doses over 1,000 persons, appended in A while B's worker imports them.
    const appending = (async () => {
      for (let p = 0; p < TOTAL / 5; p++) {
        const personId = `p1${randomBytes(13).toString('hex').slice(0, 26)}`;
        const events: NewEvent[] = Array.from({ length: 5 }, (_, n) => ({
          eventId: randomUUID(),
          type: 'DoseAdministered',
          schemaVersion: 1,
          data: {
            personId,
            siteCode: '12510000MB0A1234XJ',
            batchId: '8696321-L1',
            vaccineType: 'Rabies',
            doseNumber: n + 1,
            administeredAt: '2026-11-20T10:00:00+08:00',
          },
          metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
        }));
        await storeA.append(`person-${A}-${personId}`, events, { expected: 'no-stream' });
      }
    })();
    await until('B to import part of the stream', async () => (await importedInB()).total >= 500, 120_000, 200);
    worker.kill('SIGKILL');
    await new Promise((r) => worker!.once('exit', r));
    const atKill = (await importedInB()).total;
    await appending;
    worker = startWorker();
    await until(
      `all ${TOTAL} events in B (${output.slice(-3).join(' | ')})`,
      async () => (await importedInB()).total >= TOTAL,
      120_000,
      200,
    );
    // Give redelivered messages time to show up twice if they could.
    await new Promise((r) => setTimeout(r, 3000));
    expect(atKill).toBeLessThan(TOTAL);
    expect(await importedInB()).toEqual({ total: TOTAL, distinct: TOTAL });
  }, 300_000);
});
