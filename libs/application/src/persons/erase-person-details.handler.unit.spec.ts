import { type Actor, doseAdministered, personRegistered, personStream } from '@vaxledger/domain';
import { type AccessPolicy, allowAll } from '../kernel/access';
import { handlerSpec, PROVINCE } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, CITY_CDC, CLINIC, doseRow, PRODUCT_CODE } from '../testing/rows';
import { ErasePersonDetailsHandler } from './erase-person-details.handler';

const PERSON = 'p1tz62ri4byn76xi7ekedhqwttwe';
const cdc: Actor = { orgCode: CITY_CDC, role: 'cdc', provinceCode: PROVINCE };

const setUp = async (options: { expiresOn?: string; access?: AccessPolicy } = {}) => {
  const spec = handlerSpec();
  await spec.given(personStream(PROVINCE, PERSON), [
    personRegistered({ personId: PERSON, keyId: 'key-1' }),
    doseAdministered({
      personId: PERSON,
      siteCode: CLINIC,
      administeredAt: '2026-11-20T10:15:00+08:00',
      batchId: BATCH_ID,
      productCode: PRODUCT_CODE,
      traceCode: null,
      vaccineType: 'HepB',
      doseNumber: 1,
      vaccinatorRef: 'V-0042',
      route: 'IM',
    }),
  ]);
  const erased: { personId: string; keyId: string | undefined }[] = [];
  const vault = {
    erase: (personId: string, keyId?: string) => {
      erased.push({ personId, keyId });
      return Promise.resolve(keyId ?? null);
    },
  };
  const reads = memoryReads({
    batches: [batchRow({ expiresOn: options.expiresOn ?? '2020-01-31' })],
    doses: [doseRow({ eventId: '0b6a3a5e-7d43-4c1e-9a39-5f4b2f6c8d11', personId: PERSON })],
  });
  const handler = new ErasePersonDetailsHandler({
    executor: spec.executor,
    reads,
    vault,
    access: options.access ?? allowAll,
    provinceCode: PROVINCE,
    clock: spec.clock,
  });
  return { spec, handler, erased };
};

describe('ErasePersonDetails handler', () => {
  it('given retention has run out, appends PersonDetailsErased and then destroys the person’s key', async () => {
    const { spec, handler, erased } = await setUp();
    await spec.when(() => handler.handle({ personId: PERSON, legalBasis: 'retention_expired' }, cdc, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: personStream(PROVINCE, PERSON),
        type: 'PersonDetailsErased',
        data: { personId: PERSON, keyId: 'key-1', legalBasis: 'retention_expired' },
      },
    ]);
    expect(erased).toEqual([{ personId: PERSON, keyId: 'key-1' }]);
  });

  it('given a dose from a batch still within retention, refuses (RETENTION_HOLD) and keeps the key', async () => {
    const { spec, handler, erased } = await setUp({ expiresOn: '2028-10-31' });
    await spec.when(() => handler.handle({ personId: PERSON, legalBasis: 'subject_request' }, cdc, { correlationId: 'c' }));
    await spec.thenRefuses('RETENTION_HOLD');
    expect(erased).toEqual([]);
  });

  it('given a caller who may not erase here, answers as if there were no record (NOT_FOUND)', async () => {
    const access: AccessPolicy = { ...allowAll, mayErasePersonDetails: () => Promise.resolve('not_found') };
    const { spec, handler, erased } = await setUp({ access });
    await spec.when(() => handler.handle({ personId: PERSON, legalBasis: 'retention_expired' }, cdc, { correlationId: 'c' }));
    await spec.thenRefuses('NOT_FOUND');
    expect(erased).toEqual([]);
  });
});
