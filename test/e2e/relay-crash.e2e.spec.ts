import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { eventsTopic, InboxConsumer, SyncStore, TrustList } from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../support/database';
import { testFederation } from '../support/federation';
import { startTestIdp, type TestIdp } from '../support/jwt';
import { until } from '../support/until';

// Province A's relay is a real process that dies (SIGKILL) right after Kafka acknowledged a
// batch and before it saved its checkpoint: the worst moment. Started again, it publishes
// that batch a second time. The wire carries duplicates; B must still hold every event once.

const ROOT = join(__dirname, '..', '..');
const A = '510000';
const B = '440000';
const TOTAL = 2000;

describe('a relay killed between publishing and saving its checkpoint', () => {
  const brokers = process.env.TEST_KAFKA_BROKERS ?? '';
  const prefix = `vxrelay-${randomUUID().slice(0, 8)}`;
  const schemaA = freshSchema('e2e_relay_a');
  const syncSchemaA = freshSchema('e2e_relay_sync_a');
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  pool.on('error', () => undefined);
  const kafka = new Kafka({ clientId: 'vx-e2e-relay', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  let storeA: PostgresEventStore;
  let storeB: PostgresEventStore;
  let inboxB: InboxConsumer;
  let worker: ChildProcess | null = null;
  const federation = testFederation([A, B]);
  let idp: TestIdp;
  const output: string[] = [];

  const startRelay = (failpoint: boolean): ChildProcess => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/worker/src/main.js'), '--role', 'sync'], {
      env: {
        ...process.env,
        DATABASE_URL: testDatabaseUrl(),
        PROVINCE_CODE: A,
        SYNC_PEERS: '',
        KAFKA_BROKERS: brokers,
        SYNC_TOPIC_PREFIX: prefix,
        SYNC_GROUP_ID: `${prefix}-a`,
        EVENT_SCHEMA: schemaA,
        READ_SCHEMA: freshSchema('e2e_relay_rm'),
        VAULT_SCHEMA: freshSchema('e2e_relay_vault'),
        SYNC_SCHEMA: syncSchemaA,
        AUTH_MODE: 'jwt',
        ...idp.env,
        ...federation.envFor(A),
        WORKER_REPORT_MS: '500',
        // No log checkpoint while this runs: it would add A's own LogCheckpointed events to the
        // wire and spoil the count of relayed duplicates (checkpoints have their own tests).
        LOG_CHECKPOINT_EVERY_EVENTS: '10000',
        LOG_CHECKPOINT_INTERVAL_S: '86400',
        VAXLEDGER_FAILPOINT: failpoint ? 'relay-exit-after-publish' : '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    return child;
  };

  const inB = async (): Promise<{ total: number; distinct: number }> => {
    const { rows } = await pool.query<{ total: number; distinct: number }>(
      `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM ${storeB.schemaName}.events WHERE metadata->>'originProvince' = $1`,
      [A],
    );
    return rows[0]!;
  };
  const messagesOnTheWire = async (): Promise<number> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(eventsTopic(A, prefix));
      return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  };
  const checkpointOfA = async (): Promise<string | null> => {
    const { rows } = await pool
      .query<{ position: string }>(`SELECT position::text FROM ${syncSchemaA}.relay_checkpoint`)
      .catch(() => ({ rows: [] as { position: string }[] }));
    return rows[0]?.position ?? null;
  };

  beforeAll(async () => {
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    idp = await startTestIdp();
    const open = (schema: string): Promise<PostgresEventStore> =>
      PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema, engine: testDatabaseKind(), pollIntervalMs: 20 });
    storeA = await open(schemaA);
    storeB = await open(freshSchema('e2e_relay_b'));
    // A's log already holds the events when its relay first starts: several batches' worth.
    for (let p = 0; p < TOTAL / 4; p++) {
      const personId = `p1${randomBytes(13).toString('hex').slice(0, 26)}`;
      const events: NewEvent[] = Array.from({ length: 4 }, (_, n) => ({
        eventId: randomUUID(),
        type: 'DoseAdministered',
        schemaVersion: 1,
        data: { personId, siteCode: '12510000MB0A1234XJ', batchId: '8696321-L1', vaccineType: 'Rabies', doseNumber: n + 1 },
        metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
      }));
      await storeA.append(`person-${A}-${personId}`, events, { expected: 'no-stream' });
    }
    const syncB = new SyncStore(pool, freshSchema('e2e_relay_sync_b'));
    await syncB.migrate();
    // B checks signatures against the federation's trust list, as a production node does.
    inboxB = new InboxConsumer(kafka, storeB, syncB, {
      provinceCode: B,
      origins: [A],
      topicPrefix: prefix,
      groupId: `${prefix}-b`,
      trustList: new TrustList(federation.trustList()),
    });
    await inboxB.start();
  }, 180_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await inboxB?.stop();
    await storeA?.close();
    await storeB?.close();
    await pool.end();
  }, 60_000);

  it('puts duplicates on the wire and still leaves exactly one copy of each event in B', async () => {
    worker = startRelay(true);
    const exitCode = await new Promise<number | null>((resolve) => worker!.once('exit', (code, signal) => resolve(signal ? -1 : code)));
    // Killed by its own failpoint, not a clean exit or a configuration refusal.
    if (exitCode !== -1) throw new Error(`the relay exited with ${exitCode}: ${output.join('')}`);
    const firstRun = await messagesOnTheWire();
    expect(firstRun).toBeGreaterThan(0);
    expect(await checkpointOfA()).toBeNull(); // acknowledged by Kafka, never checkpointed
    worker = startRelay(false);
    await until(`all ${TOTAL} events in B (${output.slice(-2).join(' | ')})`, async () => (await inB()).total >= TOTAL, 120_000, 200);
    await until('A’s relay to checkpoint the whole log', async () => (await checkpointOfA()) !== null, 30_000, 200);
    // Give any further duplicate time to land twice if it could.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await messagesOnTheWire()).toBe(TOTAL + firstRun);
    expect(await inB()).toEqual({ total: TOTAL, distinct: TOTAL });
    expect(inboxB.deadLetteredCount).toBe(0);
  }, 300_000);
});
