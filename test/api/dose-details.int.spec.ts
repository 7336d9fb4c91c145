import type { PostgresEventStore } from '@vaxledger/event-store';
import { AS, startApi, type ApiHarness } from '../support/api-harness';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// Where a dose's personal details go, and when: to the vault in the same transaction as the
// dose (ADR 0011). A failure in between leaves neither (the clinic retries and both land),
// never a dose whose details were lost; a refused dose stores nothing.

const LOT = 'DET2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();

describe('a dose’s personal details and the log', () => {
  let api: ApiHarness;
  const lookup = async (idNumber: string): Promise<string> =>
    String((await api.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber })).body.personId);

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('stores nothing for a refused dose', async () => {
    const person = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
    const res = await api.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({ person, batchId: `${HEPB_PRODUCT}-NOSUCHLOT`, doseNumber: 1, administeredAt: daysAgo(1), route: 'IM', vaccinatorRef: 'V' });
    expect(res.status).toBe(404);
    expect(await api.runtime.vault.readDetails(await lookup(person.idNumber))).toBeNull();
  });

  it('keeps neither details nor dose when the append fails (one transaction), and the retried dose lands with both', async () => {
    const person = { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' };
    const store = api.runtime.store as PostgresEventStore;
    expect(store.capabilities.guards).toBe(true);
    const transaction = store.transaction.bind(store);
    let failed = 0;
    // The database goes away right after the vault write, at the append: the transaction rolls back.
    (store as { transaction: typeof store.transaction }).transaction = (work) =>
      transaction((tx) =>
        work({
          ...tx,
          append: async (...args) => {
            if (failed === 0 && args[0].startsWith('person-')) {
              failed++;
              throw new Error('connection terminated unexpectedly');
            }
            return tx.append(...args);
          },
        }),
      );
    const body = { person, batchId: BATCH, doseNumber: 1, administeredAt: daysAgo(1), route: 'IM', vaccinatorRef: 'V' };
    const logBefore = await api.logSize();
    try {
      const first = await api.http.post('/v1/doses').set(AS.clinic).set('Idempotency-Key', 'dose-details-retry-1').send(body);
      expect(first.status).toBeGreaterThanOrEqual(500);
      expect(failed).toBe(1);
      const personId = await lookup(person.idNumber);
      expect(await api.logSize()).toBe(logBefore + 1); // only the lookup's access event
      expect(await api.runtime.vault.readDetails(personId)).toBeNull();
      const retried = await api.http.post('/v1/doses').set(AS.clinic).set('Idempotency-Key', 'dose-details-retry-1').send(body);
      expect(retried.status).toBe(201);
      expect(retried.body.id).toBe(personId);
      expect(await api.runtime.vault.readDetails(personId)).toMatchObject({ name: person.name, birthDate: person.birthDate });
      await api.settle();
      const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
      expect(record.body.doses).toHaveLength(1);
      expect(record.body.details).toMatchObject({ name: person.name });
    } finally {
      (store as { transaction: typeof store.transaction }).transaction = transaction;
    }
  });
  it('answers a keyed dose sent again with its first answer, and refuses the key for another dose', async () => {
    // Once the key table is known, the key is looked up with the dose's reads, in its transaction.
    const person = { idType: 'RESIDENT_ID', idNumber: '110105199512240010', name: '周九', birthDate: '1995-12-24', sex: 'M' };
    const body = { person, batchId: BATCH, doseNumber: 1, administeredAt: daysAgo(1), route: 'IM', vaccinatorRef: 'V' };
    const send = (b: object) => api.http.post('/v1/doses').set(AS.clinic).set('Idempotency-Key', 'dose-details-key-2').send(b);
    await api.http
      .post('/v1/doses')
      .set(AS.clinic)
      .set('Idempotency-Key', 'dose-details-key-1')
      .send({ ...body, doseNumber: 9 });
    const first = await send(body);
    expect(first.status).toBe(201);
    const size = await api.logSize();
    const again = await send(body);
    expect({ status: again.status, eventIds: again.body.eventIds, position: again.body.position }).toEqual({
      status: 200,
      eventIds: first.body.eventIds,
      position: first.body.position,
    });
    const other = await send({ ...body, administeredAt: daysAgo(2) });
    expect({ status: other.status, code: other.body.code }).toEqual({ status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await api.logSize()).toBe(size);
  });
});
