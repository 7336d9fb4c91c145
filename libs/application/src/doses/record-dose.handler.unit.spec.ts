import { type Actor, personStream } from '@vaxledger/domain';
import { noSerialiser } from '../kernel/ports';
import { pseudonymFor } from '../persons/pseudonym';
import { handlerSpec, type HandlerSpec, PROVINCE } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, CLINIC, productRow, stockRow } from '../testing/rows';
import { type RecordDoseCommand, RecordDoseHandler } from './record-dose.handler';

const SECRET = 'a-test-pseudonym-secret-of-32-bytes!';
const clinic: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: PROVINCE };
const person = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: 'Li Lei', birthDate: '1990-03-07', sex: 'M' } as const;
const PERSON_ID = pseudonymFor(SECRET, person);
const command: RecordDoseCommand = {
  person,
  batchId: BATCH_ID,
  doseNumber: 1,
  administeredAt: '2026-11-20T10:15:00+08:00',
  route: 'IM',
  vaccinatorRef: 'V-0042',
};
const meta = { correlationId: 'c-1' };

/** A clinic with stock of a released batch, a vault and grants that remember what they were given. */
const world = (spec: HandlerSpec, stock = 5) => {
  const reads = memoryReads({ products: [productRow()], batches: [batchRow()], stock: [stockRow({ site: CLINIC, available: stock })] });
  const vault = {
    stored: [] as { personId: string; name: string }[],
    ensureKey: () => Promise.resolve('key-1'),
    storeDetails: (personId: string, details: { name: string }) => {
      vault.stored.push({ personId, name: details.name });
      return Promise.resolve('key-1');
    },
  };
  const grants = {
    given: [] as string[],
    grantPerson: (site: string, id: string) => Promise.resolve(void grants.given.push(`${site}:${id}`)),
  };
  const handler = new RecordDoseHandler({
    executor: spec.executor,
    reads,
    vault,
    grants,
    siteLocks: noSerialiser,
    provinceCode: PROVINCE,
    pseudonymSecret: SECRET,
    personGrantTtlMs: 60_000,
    clock: spec.clock,
  });
  return { handler, vault, grants, reads };
};

describe('RecordDose handler', () => {
  it('given stock of a released batch, appends the dose under the pseudonym, stores the details and grants the site', async () => {
    const spec = handlerSpec();
    const { handler, vault, grants } = world(spec);
    const answer = await spec.when(() => handler.handle(command, clinic, meta));
    await spec.then([
      {
        streamId: personStream(PROVINCE, PERSON_ID),
        type: 'PersonRegistered',
        data: expect.objectContaining({ personId: PERSON_ID, keyId: 'key-1' }),
      },
      {
        streamId: personStream(PROVINCE, PERSON_ID),
        type: 'DoseAdministered',
        data: expect.objectContaining({ personId: PERSON_ID, siteCode: CLINIC, batchId: BATCH_ID, doseNumber: 1 }),
      },
    ]);
    expect(answer?.id).toBe(PERSON_ID);
    expect(vault.stored).toEqual([{ personId: PERSON_ID, name: 'Li Lei' }]);
    expect(grants.given).toEqual([`${CLINIC}:${PERSON_ID}`]);
    // No plaintext identity in the log.
    expect(JSON.stringify(await spec.appended())).not.toMatch(/510104199003071237|Li Lei|1990-03-07/);
  });

  it('given no stock at the site, refuses (INSUFFICIENT_STOCK) and stores no details', async () => {
    const spec = handlerSpec();
    const { handler, vault, grants } = world(spec, 0);
    await spec.when(() => handler.handle(command, clinic, meta));
    await spec.thenRefuses('INSUFFICIENT_STOCK');
    expect(vault.stored).toEqual([]);
    expect(grants.given).toEqual([]);
  });

  it('given a recalled batch, refuses (BATCH_RECALLED)', async () => {
    const spec = handlerSpec();
    const { handler, reads } = world(spec);
    reads.tables.batches = [batchRow({ recalled: true })];
    await spec.when(() => handler.handle(command, clinic, meta));
    await spec.thenRefuses('BATCH_RECALLED');
  });

  it('refuses an ID number that fails its check character before reading anything (INVALID_PERSON_ID)', async () => {
    const spec = handlerSpec();
    const { handler } = world(spec);
    await spec.when(() => handler.handle({ ...command, person: { ...person, idNumber: '510104199003071230' } }, clinic, meta));
    await spec.thenRefuses('INVALID_PERSON_ID');
  });

  it('answers a retry with the same idempotency key with the first answer, appending nothing more', async () => {
    const spec = handlerSpec();
    const { handler } = world(spec);
    const keyed = { ...meta, idempotencyKey: 'dose-1' };
    const first = await handler.handle(command, clinic, keyed);
    const again = await handler.handle(command, clinic, keyed);
    expect(again).toEqual(first);
    expect((await spec.appended()).filter((e) => e.type === 'DoseAdministered')).toHaveLength(1);
    await expect(handler.handle({ ...command, doseNumber: 2 }, clinic, keyed)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });
});
