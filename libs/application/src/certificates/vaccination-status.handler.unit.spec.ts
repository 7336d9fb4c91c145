import { generateKeyPairSync } from 'node:crypto';
import { MemoryEventStore, START } from '@vaxledger/event-store';
import type { ReadModels } from '@vaxledger/projections';
import { compactVerify } from 'jose';
import { pseudonymFor } from '../persons/pseudonym';
import { memoryReads } from '../testing/memory-reads';
import { doseRow } from '../testing/rows';
import { VaccinationStatusHandler } from './vaccination-status.handler';

const SECRET = 'unit-test-pseudonym-secret';
const DOCUMENT = { idType: 'RESIDENT_ID', idNumber: '510104199003071237' } as const;
const PERSON = pseudonymFor(SECRET, DOCUMENT);
const NOW = '2026-11-23T02:00:00.000Z';
const HEALTHCODE = { orgCode: '12440000MB0C000109', role: 'healthcode', provinceCode: '440000' } as const;
const ACCESS = { purpose: 'public_health', correlationId: 'c-1' } as const;

describe('vaccination status, when the person has HepB doses from Sichuan and Guangdong and one voided', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const reads = memoryReads({
    doses: [
      doseRow({
        eventId: 'e1',
        personId: PERSON,
        vaccineType: 'HepB',
        doseNumber: 1,
        originProvince: '510000',
        administeredAt: '2025-01-10T09:00:00+08:00',
      }),
      doseRow({
        eventId: 'e2',
        personId: PERSON,
        vaccineType: 'HepB',
        doseNumber: 2,
        originProvince: '440000',
        administeredAt: '2025-02-10T09:00:00+08:00',
      }),
      doseRow({
        eventId: 'e3',
        personId: PERSON,
        vaccineType: 'HepB',
        doseNumber: 3,
        originProvince: '440000',
        administeredAt: '2025-07-10T09:00:00+08:00',
        status: 'voided',
      }),
      doseRow({ eventId: 'e4', personId: 'p1someoneelseaaaaaaaaaaaaaaa', vaccineType: 'MMR', doseNumber: 1 }),
    ],
  });
  const requested: string[] = [];
  const store = new MemoryEventStore(() => new Date(NOW));
  const handler = (completeUpTo: string | null) =>
    new VaccinationStatusHandler({
      store,
      reads: reads as unknown as ReadModels,
      history: { request: (personId) => Promise.resolve(requested.push(personId) > 0) },
      provinceCode: '440000',
      pseudonymSecret: SECRET,
      keys: () => ({ issuer: 'https://gd.vaxledger.example', signing: { kid: 'k1', privateKey }, publicKeys: [] }),
      completeness: () => Promise.resolve([{ origin: '510000', completeUpTo }]),
      clock: () => NOW,
    });

  it('counts valid doses only, says the series is not complete, and names both origins', async () => {
    const { status } = await handler('2026-11-23T01:00:00.000Z').handle(DOCUMENT, HEALTHCODE, ACCESS);
    expect(status.vaccines).toEqual([
      {
        vaccineType: 'HepB',
        dosesValid: 2,
        seriesDoses: 3,
        seriesComplete: false,
        lastDoseAt: '2025-02-10T09:00:00+08:00',
        origins: ['440000', '510000'],
      },
    ]);
    expect(status.complete).toBe(true);
    expect(status.origins).toEqual([
      { origin: '440000', completeUpTo: NOW },
      { origin: '510000', completeUpTo: '2026-11-23T01:00:00.000Z' },
    ]);
  });

  it('says the series is complete once dose 3 is valid too', async () => {
    reads.tables.doses.push(
      doseRow({
        eventId: 'e5',
        personId: PERSON,
        vaccineType: 'HepB',
        doseNumber: 3,
        originProvince: '440000',
        administeredAt: '2025-08-10T09:00:00+08:00',
      }),
    );
    try {
      const { status } = await handler(NOW).handle(DOCUMENT, HEALTHCODE, ACCESS);
      expect(status.vaccines[0]).toMatchObject({ dosesValid: 3, seriesComplete: true, lastDoseAt: '2025-08-10T09:00:00+08:00' });
    } finally {
      reads.tables.doses.pop();
    }
  });

  it('is incomplete while Sichuan has not answered the history pull, which the call asked for', async () => {
    requested.length = 0;
    const { status } = await handler(null).handle(DOCUMENT, HEALTHCODE, ACCESS);
    expect(status.complete).toBe(false);
    expect(requested).toEqual([PERSON]);
  });

  it('signs the status with the province key, audits the call, and names neither the ID nor the pseudonym', async () => {
    const { status, jws } = await handler(NOW).handle(DOCUMENT, HEALTHCODE, ACCESS);
    const { payload } = await compactVerify(jws, publicKey);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual(status);
    expect(JSON.stringify(status)).not.toMatch(new RegExp(`${DOCUMENT.idNumber}|${PERSON}`));
    const audit = (await store.readAll({ after: START, limit: 100 })).filter((e) => e.type === 'PersonRecordRead');
    expect(audit.length).toBeGreaterThanOrEqual(1);
    expect(audit[0]!.data).toMatchObject({ personId: PERSON, purpose: 'public_health' });
  });

  it('binds the signed answer to the platform that asked and to its nonce, when it sends one', async () => {
    const { status, jws } = await handler(NOW).handle(DOCUMENT, HEALTHCODE, ACCESS, { nonce: 'n-0c4f9a71e2' });
    expect(status).toMatchObject({ aud: HEALTHCODE.orgCode, nonce: 'n-0c4f9a71e2' });
    const { payload } = await compactVerify(jws, publicKey);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toMatchObject({ aud: HEALTHCODE.orgCode, nonce: 'n-0c4f9a71e2' });
    const without = await handler(NOW).handle(DOCUMENT, HEALTHCODE, ACCESS);
    expect(without.status.aud).toBe(HEALTHCODE.orgCode);
    expect(without.status).not.toHaveProperty('nonce');
  });
});
