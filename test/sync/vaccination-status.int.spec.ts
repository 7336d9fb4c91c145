import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pseudonymFor, revocationIdOf } from '@vaxledger/application';
import { compactVerify, importJWK, type JWK } from 'jose';
import { createCertificateKeys } from '../../apps/api/src/infrastructure/certificate-keys';
import { actor, startApi, type ApiHarness } from '../support/api-harness';
import { until } from '../support/until';

// A health-code platform in province B asks for the status of a person vaccinated in A, over
// a real Kafka broker: B's answer shows A's dose within 2 s, the first call asks A for the
// person's history and the answer turns complete once A answered; the answer is signed with
// B's certificate key and carries no ID number or pseudonym. A voided dose reaches B too, and
// with it B's signed revocation list.

const A = '510000';
const B = '440000';
const SECRET = 'vaxledger-test-pepper-do-not-use';
const DOCUMENT = { idType: 'RESIDENT_ID', idNumber: '510104199003071237' } as const;
const HEALTHCODE_ORG = '12440000MB0C000109';
const HEALTHCODE = actor('healthcode', HEALTHCODE_ORG, B);

interface StatusAnswer {
  status: {
    complete: boolean;
    origins: { origin: string; completeUpTo: string | null }[];
    vaccines: { vaccineType: string; dosesValid: number; origins: string[]; seriesComplete: boolean }[];
  };
  jws: string;
}

describe('vaccination status in province B for a person vaccinated in A', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let dir = '';
  const personId = pseudonymFor(SECRET, DOCUMENT);
  const stream = `person-${A}-${personId}`;
  const doseEventId = randomUUID();

  const status = async (): Promise<StatusAnswer> => {
    const res = await b.http.post('/v1/status').set(HEALTHCODE).send(DOCUMENT);
    if (res.status !== 200) throw new Error(`status: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as StatusAnswer;
  };

  beforeAll(async () => {
    const brokers = process.env.TEST_KAFKA_BROKERS;
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    const prefix = `vxstatus-${randomUUID().slice(0, 8)}`;
    dir = mkdtempSync(join(tmpdir(), 'vxl-status-'));
    createCertificateKeys(join(dir, 'a.json'), 'https://sc.vaxledger.example');
    createCertificateKeys(join(dir, 'b.json'), 'https://gd.vaxledger.example');
    const common = { KAFKA_BROKERS: brokers, SYNC_TOPIC_PREFIX: prefix, PSEUDONYM_SECRET: SECRET };
    a = await startApi(
      { ...common, PROVINCE_CODE: A, SYNC_PEERS: B, CERTIFICATE_KEYS_FILE: join(dir, 'a.json') },
      { syncGroupId: `${prefix}-a` },
    );
    b = await startApi(
      { ...common, PROVINCE_CODE: B, SYNC_PEERS: A, CERTIFICATE_KEYS_FILE: join(dir, 'b.json') },
      { syncGroupId: `${prefix}-b` },
    );
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows A’s dose in B within 2 s, says when B holds all of A’s record, signed and without the ID', async () => {
    const before = await status();
    expect(before.status.vaccines).toEqual([]);
    const started = Date.now();
    await a.runtime.store.append(
      stream,
      [
        {
          eventId: doseEventId,
          type: 'DoseAdministered',
          schemaVersion: 1,
          data: {
            personId,
            siteCode: '12510000MB0A1234XJ',
            batchId: '8696321-L1',
            productCode: '8696321',
            vaccineType: 'HepB',
            doseNumber: 1,
            administeredAt: new Date(Date.now() - 60_000).toISOString(),
          },
          metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
        },
      ],
      { expected: 'no-stream' },
    );
    let shown: StatusAnswer | null = null;
    await until(
      'A’s dose in B’s status',
      async () => {
        const answer = await status();
        if (answer.status.vaccines.length === 0) return false;
        shown = answer;
        return true;
      },
      2_000,
      50,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(2_000);
    expect(shown!.status.vaccines).toEqual([
      expect.objectContaining({ vaccineType: 'HepB', dosesValid: 1, origins: [A], seriesComplete: false }),
    ]);
    // The first call asked A for the person's history; once A answered, B's copy is complete.
    await until('A’s history answer in B', async () => (await status()).status.complete, 20_000);
    const complete = await status();
    expect(complete.status.origins.find((o) => o.origin === A)?.completeUpTo).toEqual(expect.any(String));

    const jwks = (await b.http.get('/.well-known/jwks.json')).body as { keys: JWK[] };
    const { payload, protectedHeader } = await compactVerify(complete.jws, await importJWK(jwks.keys[0]!, 'ES256'));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'vaxledger-status+jws', kid: jwks.keys[0]!.kid });
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual(complete.status);
    const text = JSON.stringify(complete);
    expect(text).not.toContain(DOCUMENT.idNumber);
    expect(text).not.toContain(personId);
    const reads: { n: number }[] = await b.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${(b.runtime.store as unknown as { schemaName: string }).schemaName}".events
        WHERE type = 'PersonRecordRead' AND data->>'personId' = $1`,
      [personId],
    );
    expect(reads[0]!.n).toBeGreaterThanOrEqual(3);
    console.log(`A's dose shown in B's status after ${elapsed} ms`);
  }, 60_000);

  it('carries a dose entered in error in A to B: the status drops it and B’s revocation list names the person', async () => {
    await a.runtime.store.append(
      stream,
      [
        {
          eventId: randomUUID(),
          type: 'DoseEnteredInError',
          schemaVersion: 1,
          data: { doseEventId, reasonCode: 'wrong_person', batchId: '8696321-L1', siteCode: '12510000MB0A1234XJ', traceCode: null },
          metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
        },
      ],
      { expected: 0 },
    );
    const rid = revocationIdOf(SECRET, personId);
    await until('the revocation in B’s list', async () => {
      const res = await b.http.get('/v1/certificates/revocations');
      return res.status === 200 && (res.body.list.rids as string[]).some((r) => r.startsWith(`${rid}.`));
    });
    expect((await status()).status.vaccines).toEqual([]);
  }, 60_000);

  it('refuses the status to anyone but a health-code platform, and a health-code platform everything else', async () => {
    expect(
      (
        await b.http
          .post('/v1/status')
          .set(actor('clinic', '12440300MB1B2345QN', B))
          .send(DOCUMENT)
      ).status,
    ).toBe(403);
    expect((await b.http.get('/v1/products').set(HEALTHCODE)).status).toBe(403);
    const bad = await b.http.post('/v1/status').set(HEALTHCODE).send({ idType: 'RESIDENT_ID', idNumber: '510104199003071230' });
    expect(bad.status).toBe(400);
    const badNonce = await b.http
      .post('/v1/status')
      .set(HEALTHCODE)
      .send({ ...DOCUMENT, nonce: 'short' });
    expect(badNonce.status).toBe(400);
    expect(badNonce.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'nonce', reason: 'nonce must be a nonce of 8 to 128 letters, digits or . _ ~ -, like hc-7f3a9c21e4b8' }],
    });
  });

  it('binds the signed answer to the platform that asked and to the nonce it sent', async () => {
    const res = await b.http
      .post('/v1/status')
      .set(HEALTHCODE)
      .send({ ...DOCUMENT, nonce: 'hc-7f3a9c21e4b8' });
    expect(res.status).toBe(200);
    const body = res.body as StatusAnswer;
    const signed = JSON.parse(Buffer.from(body.jws.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(signed).toMatchObject({ aud: HEALTHCODE_ORG, nonce: 'hc-7f3a9c21e4b8' });
    expect(body.status).toMatchObject({ aud: HEALTHCODE_ORG, nonce: 'hc-7f3a9c21e4b8' });
  });
});
