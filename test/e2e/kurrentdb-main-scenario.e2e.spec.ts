import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadKurrentDb, type RecordedEvent } from '@vaxledger/event-store';
import { decodeEnvelope, eventsTopic } from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { type ApiHarness, AS, ORGS, startApi } from '../support/api-harness';
import { testDatabaseUrl } from '../support/database';
import { type KurrentDbDouble, startKurrentDbDouble } from '../support/kurrentdb/kurrentdb-double';
import {
  batchIdOf,
  type MainLot,
  minutesAgo,
  PERSON,
  PERSON_B,
  recallLot,
  recordDose,
  registerLot,
  registerOrganisations,
  releaseLot,
  shipToClinic,
} from '../support/main-scenario';
import { until } from '../support/until';

// The main scenario of one node over HTTP with EVENT_STORE=kurrentdb: the log in KurrentDB
// (the in-process test double of its wire protocol, or the server at KURRENTDB_URL), read
// models, vault and idempotency in PostgreSQL. Then the server goes away mid-traffic and
// comes back, and a node that cannot reach it at start-up says so and stops.

const ROOT = join(__dirname, '..', '..');
const LOT: MainLot = {
  product: '8696322',
  lot: '202611K001',
  codes: ['86963220000000000016', '86963220000000000023', '86963220000000000030'],
  approvalNo: 'S20260002',
  certificateNo: 'SJ-2026-077',
  deliveryNotes: ['DN-K1', 'DN-K2'],
  temperatureLog: { deviceId: 'TL-9', readings: [{ at: minutesAgo(60), celsius: 4.8 }] },
};
const BATCH = batchIdOf(LOT);

const realServer = process.env.KURRENTDB_URL;

const readWholeLog = async (store: {
  readAll: (o: { after: bigint; limit: number }) => Promise<RecordedEvent[]>;
}): Promise<RecordedEvent[]> => {
  const all: RecordedEvent[] = [];
  for (let after = 0n; ;) {
    const page = await store.readAll({ after, limit: 1000 });
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1]!.position;
  }
};

describe('the main scenario with the log in KurrentDB', () => {
  let double: KurrentDbDouble | null = null;
  let api: ApiHarness;
  let personId = '';

  beforeAll(async () => {
    if (!realServer) double = await startKurrentDbDouble();
    api = await startApi({}, { kurrentdbUrl: realServer ?? double!.url });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    await double?.stop();
  });

  it('runs on the KurrentDB adapter', async () => {
    expect(api.runtime.store.capabilities.adapter).toBe('kurrentdb');
    const health = await api.http.get('/health');
    expect(health.status).toBe(200);
  });

  it('registers organisations, a product and a batch, produced and released', async () => {
    for (const { orgCode, answer } of await registerOrganisations(api))
      expect(answer.body).toMatchObject({ streamId: `org-${orgCode}`, revision: 0 });
    await registerLot(api, LOT);
    await releaseLot(api, LOT);
  });

  it('dispatches and receives a shipment maker → CDC → clinic', async () => {
    await shipToClinic(api, LOT);
    await api.settle();
    const inventory = await api.http.get(`/v1/sites/${ORGS.clinic}/inventory`).set(AS.clinic);
    expect(inventory.body.batches).toEqual([expect.objectContaining({ batchId: BATCH, available: 2, recalled: false })]);
  });

  it('records a dose under a pseudonym; KurrentDB holds no name, ID number or birth date', async () => {
    const dose = await recordDose(api, LOT, PERSON, 0);
    expect(dose.status).toBe(201);
    personId = dose.body.id as string;
    await api.settle();
    const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
    expect(record.body.doses).toEqual([expect.objectContaining({ batchId: BATCH, doseNumber: 1, status: 'valid' })]);
    const log = JSON.stringify(await readWholeLog(api.runtime.store), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(log).toContain(personId);
    for (const secret of [PERSON.idNumber, PERSON.name, PERSON.birthDate]) expect(log).not.toContain(secret);
    if (double) {
      const raw = double.data.log
        .map((r) => Buffer.concat([Buffer.from(r.data), Buffer.from(r.customMetadata)]).toString('utf8'))
        .join('\n');
      for (const secret of [PERSON.idNumber, PERSON.name, PERSON.birthDate]) expect(raw).not.toContain(secret);
    }
  });

  it('recalls the batch, refuses further doses from it and lists the recipients', async () => {
    await recallLot(api, LOT);
    const before = (await readWholeLog(api.runtime.store)).length;
    const refused = await recordDose(api, LOT, PERSON_B, 1, 0);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'BATCH_RECALLED' });
    expect((await readWholeLog(api.runtime.store)).length).toBe(before);
    await api.settle();
    const impact = await api.http.get(`/v1/batches/${BATCH}/recipients`).set(AS.regulator);
    expect(impact.status).toBe(200);
    expect(impact.body.persons).toEqual([expect.objectContaining({ personId, siteCode: ORGS.clinic })]);
  });

  // Needs control over the server, so only against the double (a real server is stopped by its operator).
  if (!realServer)
    it('appended through BatchAppend, the path every KurrentDB since 21.10 gets, never the old Append', () => {
      expect(double!.calls.batchAppend).toBeGreaterThan(20);
      expect(double!.calls.append).toBe(0);
    });

  if (!realServer)
    it('refuses a write above the maximum append size as 413 APPEND_TOO_LARGE, writes nothing, and the retry goes through', async () => {
      const org = { orgCode: '91340100M000200Y4N', name: 'Anhui Biologics', kind: 'manufacturer', provinceCode: '340000' };
      // The same log on a server configured with a tiny maximum append size.
      const d = double!;
      await d.stop();
      double = await startKurrentDbDouble({ port: d.port, data: d.data, maxAppendSize: 300 });
      const before = (await readWholeLog(api.runtime.store)).length;
      let refused: { status: number; body: unknown; headers: Record<string, string> } = { status: 0, body: {}, headers: {} };
      await until(
        'the API to reach the restarted server',
        async () => {
          refused = await api.http.post('/v1/organisations').set(AS.regulator).send(org);
          return refused.status !== 503;
        },
        20_000,
        200,
      );
      expect(refused.status).toBe(413);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 413, code: 'APPEND_TOO_LARGE' });
      expect((await readWholeLog(api.runtime.store)).length).toBe(before);
      // The limit back to a node's default: the same request is accepted at once.
      const small = double;
      await small.stop();
      double = await startKurrentDbDouble({ port: small.port, data: small.data });
      let created = { status: 0 };
      await until(
        'the API to append again',
        async () => {
          created = await api.http.post('/v1/organisations').set(AS.regulator).send(org);
          return created.status === 201;
        },
        20_000,
        200,
      );
      expect((await readWholeLog(api.runtime.store)).length).toBe(before + 1);
    }, 60_000);

  if (!realServer)
    it('answers 503 problem+json while KurrentDB is down, writes nothing, and resumes from the checkpoint when it is back', async () => {
      const d = double!;
      const logBefore = d.data.log.length;
      await d.stop();
      const down = await api.http.post('/v1/organisations').set(AS.regulator).send({
        orgCode: ORGS.otherMaker,
        name: 'Fujian Biologics',
        kind: 'manufacturer',
        provinceCode: '350000',
      });
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(down.body).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
      expect(d.data.log.length).toBe(logBefore);

      // The same data on the same port: a restarted server.
      double = await startKurrentDbDouble({ port: d.port, data: d.data });
      let created: { status: number; body: { position?: string } } = { status: 0, body: {} };
      await until(
        'the API to append again',
        async () => {
          created = await api.http.post('/v1/organisations').set(AS.regulator).send({
            orgCode: ORGS.otherMaker,
            name: 'Fujian Biologics',
            kind: 'manufacturer',
            provinceCode: '350000',
          });
          return created.status === 201;
        },
        20_000,
        200,
      );
      // The projector's subscription came back from its checkpoint and applies the new event.
      await api.runtime.readModels.runner.waitFor(BigInt(created.body.position!), 20_000);
      const org = await api.http.get(`/v1/organisations/${ORGS.otherMaker}`).set(AS.regulator);
      expect(org.status).toBe(200);
      expect(org.body).toMatchObject({ kind: 'manufacturer', provinceCode: '350000' });
      const ids = (await readWholeLog(api.runtime.store)).map((e) => e.eventId);
      expect(new Set(ids).size).toBe(ids.length);
    }, 60_000);
});

describe('the sync relay reading its outbox from KurrentDB', () => {
  it('publishes the events the node appended to its province topic, same ids and revisions', async () => {
    const brokers = process.env.TEST_KAFKA_BROKERS;
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    const prefix = `vxkdb-${randomUUID().slice(0, 8)}`;
    const own = realServer ? null : await startKurrentDbDouble();
    const node = await startApi(
      { PROVINCE_CODE: '510000', KAFKA_BROKERS: brokers, SYNC_TOPIC_PREFIX: prefix },
      { kurrentdbUrl: realServer ?? own!.url, syncGroupId: `${prefix}-a` },
    );
    const kafka = new Kafka({ clientId: 'vx-kdb-relay-check', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${prefix}-check` });
    try {
      const created = await node.http
        .post('/v1/organisations')
        .set(AS.regulator)
        .send({ orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });
      expect(created.status).toBe(201);
      const [stored] = await node.runtime.store.readStream(`org-${ORGS.cdc}`);
      const seen: { eventId: string; streamId: string; streamRevision: number; originPosition: string }[] = [];
      await consumer.connect();
      const admin = kafka.admin();
      await admin.connect();
      try {
        await until('the topic to exist', async () => (await admin.listTopics()).includes(eventsTopic('510000', prefix)), 30_000, 200);
      } finally {
        await admin.disconnect();
      }
      await consumer.subscribe({ topics: [eventsTopic('510000', prefix)], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const decoded = decodeEnvelope(message.value ?? Buffer.alloc(0));
          if (decoded.ok) seen.push(decoded.envelope);
        },
      });
      await until('the event on Kafka', async () => seen.some((e) => e.eventId === stored!.eventId), 60_000, 200);
      expect(seen.find((e) => e.eventId === stored!.eventId)).toMatchObject({
        streamId: `org-${ORGS.cdc}`,
        streamRevision: 0,
        originPosition: stored!.position.toString(),
      });
    } finally {
      await consumer.disconnect();
      await node.close();
      await own?.stop();
    }
  }, 120_000);
});

describe('start-up with KurrentDB unreachable', () => {
  it('fails opening the store with one line naming the server', async () => {
    await expect(
      (await loadKurrentDb()).KurrentDbEventStore.connect({ connectionString: 'esdb://127.0.0.1:1?tls=false' }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringMatching(/^KurrentDB at esdb:\/\/127\.0\.0\.1:1\?tls=false cannot be reached: [^\n]+$/),
    });
  });

  it('makes the API process print one line and exit non-zero', () => {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
    const run = spawnSync(process.execPath, [join(ROOT, 'dist/apps/api/src/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        EVENT_STORE: 'kurrentdb',
        KURRENTDB_URL: 'esdb://127.0.0.1:1?tls=false',
        DATABASE_URL: testDatabaseUrl(),
        AUTH_MODE: 'jwt',
        JWT_ISSUER: 'https://issuer.example',
        JWT_JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
        JWT_AUDIENCE: 'vaxledger',
        PSEUDONYM_SECRET: 'x'.repeat(32),
        VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        PORT: '0',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = run.stderr.split('\n').filter((l) => l.length > 0);
    expect({ status: run.status, configuration: lines.filter((l) => l.includes('configuration')) }).toEqual({
      status: 1,
      configuration: [],
    });
    expect(lines.filter((l) => /KurrentDB/.test(l))).toEqual([
      expect.stringMatching(/^vaxledger: cannot open the event store: KurrentDB at .* cannot be reached/),
    ]);
  }, 120_000);
});
