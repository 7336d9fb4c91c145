import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type EventStore, type NewEvent, PostgresEventStore } from '@vaxledger/event-store';
import { EnvelopeSigner, LogCheckpointer } from '@vaxledger/sync';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until } from '../../../../test/support/until';
import { runLogCheckpoint } from './log-checkpoint';
import { runLogVerify } from './log-verify';

// `log verify` against a real PostgreSQL log that a database administrator changed by hand:
// one event's data, one event deleted, two events swapped. Each is named; the exit status is 1.

const HOME = '510000';
const { privateKey } = generateKeyPairSync('ed25519');
const keys = { provinceCode: HOME, syncSigningKey: privateKey, syncTrustList: null };

const event = (n: number, origin?: { province: string; position: number }): NewEvent => ({
  eventId: randomUUID(),
  type: 'BatchProduced',
  schemaVersion: 1,
  data: { n, note: '冷链 2–8 °C', nested: { z: n, a: [1, { k: 'v' }] } },
  metadata: {
    correlationId: randomUUID(),
    actor: { orgCode: '12510000MB0A1234XJ', role: 'cdc', provinceCode: origin?.province ?? HOME },
    originProvince: origin?.province ?? HOME,
    ...(origin ? { originPosition: String(origin.position), originRecordedAt: new Date().toISOString() } : {}),
  },
});

/** Other tests' open transactions on the shared server hold readers back (ADR 0002): wait until all is readable. */
const readable = (store: EventStore): Promise<void> =>
  until('every committed event readable', async () => (await store.headPosition()) >= (await store.latestPosition()), 30_000, 20);

interface Fixture {
  store: PostgresEventStore;
  schema: string;
  ids: string[];
}

const fixture = async (): Promise<Fixture> => {
  const schema = freshSchema('tlog');
  const store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema, engine: testDatabaseKind() });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const events = [event(i * 2), event(i * 2 + 1)];
    await store.append(`batch-${schema}-${i % 3}`, events);
    ids.push(...events.map((e) => e.eventId));
    // A copy of another province's event in between: not this node's chain.
    await store.append(`batch-${schema}-imported`, [event(100 + i, { province: '440000', position: 1000 + i })]);
  }
  await readable(store);
  const checkpointer = new LogCheckpointer(store, {
    provinceCode: HOME,
    signer: new EnvelopeSigner(privateKey),
    everyEvents: 5,
    everyMs: 60_000,
  });
  while (await checkpointer.runOnce(true));
  // One more event after the last checkpoint: not covered yet, so only counted.
  await store.append(`batch-${schema}-late`, [event(99)]);
  await readable(store);
  return { store, schema, ids };
};

const sql = async (statements: string): Promise<void> => {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(statements);
  } finally {
    await client.end();
  }
};

// What a DBA does: switch the append-only trigger off, change the rows, switch it on again.
const tamper = (schema: string, change: string): Promise<void> =>
  sql(
    `ALTER TABLE ${schema}.events DISABLE TRIGGER events_append_only; ${change}; ALTER TABLE ${schema}.events ENABLE TRIGGER events_append_only;`,
  );

const verify = async (store: PostgresEventStore): Promise<{ code: number; text: string }> => {
  await readable(store);
  const lines: string[] = [];
  const code = await runLogVerify(store, keys, (line) => lines.push(line));
  return { code, text: lines.join('\n') };
};

describe('log verify (real PostgreSQL)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
  });
  afterEach(async () => {
    await f.store.close();
  });

  it('passes an untouched log: 12 own events in 3 signed checkpoints, the late one after them', async () => {
    const { code, text } = await verify(f.store);
    expect(text).toContain('origin 510000: 3 checkpoint(s), 12 event(s) checked, 1 after the last checkpoint');
    expect(text).toContain('no problem');
    expect(code).toBe(0);
  });

  it('log checkpoint signs the late event, after which it is checked like the rest', async () => {
    const lines: string[] = [];
    expect(await runLogCheckpoint(f.store, { ...keys, everyEvents: 1000 }, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^checkpoint 4 of 510000: 1 event\(s\) up to position \d+, head [0-9a-f]{64}$/)]);
    const { code, text } = await verify(f.store);
    expect(text).toContain('origin 510000: 4 checkpoint(s), 13 event(s) checked, 0 after the last checkpoint');
    expect(code).toBe(0);
    expect(await runLogCheckpoint(f.store, { ...keys, syncSigningKey: null, everyEvents: 1000 }, () => undefined)).toBe(2);
  });

  it('names an event whose data was changed with SQL', async () => {
    const victim = f.ids[4]!;
    await tamper(f.schema, `UPDATE ${f.schema}.events SET data = jsonb_set(data, '{n}', '4000') WHERE event_id = '${victim}'`);
    const { code, text } = await verify(f.store);
    expect(text).toMatch(new RegExp(`ALTERED event ${victim}`));
    expect(code).toBe(1);
  });

  it('names an event deleted with SQL', async () => {
    const victim = f.ids[7]!;
    await tamper(f.schema, `DELETE FROM ${f.schema}.events WHERE event_id = '${victim}'`);
    const { code, text } = await verify(f.store);
    expect(text).toContain(`MISSING event ${victim}`);
    expect(code).toBe(1);
  });

  it('names both events when two are swapped in the log with SQL', async () => {
    const [a, b] = [f.ids[2]!, f.ids[9]!];
    await tamper(
      f.schema,
      `UPDATE ${f.schema}.events SET position = -position WHERE event_id IN ('${a}', '${b}');
       UPDATE ${f.schema}.events e SET position = -o.position
         FROM ${f.schema}.events o WHERE o.event_id = (CASE WHEN e.event_id = '${a}' THEN '${b}' ELSE '${a}' END)::uuid
          AND e.event_id IN ('${a}', '${b}')`,
    );
    const { code, text } = await verify(f.store);
    expect(text).toContain(`OUT-OF-ORDER event ${a}`);
    expect(text).toContain(`OUT-OF-ORDER event ${b}`);
    expect(code).toBe(1);
  });

  it('names a signed checkpoint whose leaves were rewritten to match a change', async () => {
    const victim = f.ids[0]!;
    await tamper(
      f.schema,
      `UPDATE ${f.schema}.events SET data = jsonb_set(data, '{leaves,0,1}', to_jsonb(repeat('a', 64)))
        WHERE stream_id = 'logcheckpoint-${HOME}' AND revision = 0`,
    );
    const { code, text } = await verify(f.store);
    expect(text).toContain('BAD-CHECKPOINT');
    expect(text).toContain(`ALTERED event ${victim}`);
    expect(code).toBe(1);
  });
});
