import { type Actor, doseAdministered, personRegistered, personStream } from '@vaxledger/domain';
import { type AccessPolicy, allowAll } from '../kernel/access';
import { handlerSpec, PROVINCE } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, CLINIC, doseRow, PRODUCT_CODE } from '../testing/rows';
import { EnterDoseInErrorHandler } from './enter-dose-in-error.handler';

const PERSON = 'p1tz62ri4byn76xi7ekedhqwttwe';
const DOSE = '0b6a3a5e-7d43-4c1e-9a39-5f4b2f6c8d11';
const clinic: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: PROVINCE };
const meta = { correlationId: 'c' };

const setUp = async (options: { access?: AccessPolicy; origin?: string } = {}) => {
  const spec = handlerSpec();
  await spec.given(
    personStream(PROVINCE, PERSON),
    [
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
    ],
    ['1c7a5b2e-0f3d-4e8a-9b6c-2d4f6a8c0e12', DOSE],
  );
  const reads = memoryReads({ doses: [doseRow({ eventId: DOSE, personId: PERSON, originProvince: options.origin ?? PROVINCE })] });
  const handler = new EnterDoseInErrorHandler({
    executor: spec.executor,
    reads,
    access: options.access ?? allowAll,
    provinceCode: PROVINCE,
    clock: spec.clock,
  });
  return { spec, handler };
};

describe('EnterDoseInError handler', () => {
  it('given a dose recorded here, appends DoseEnteredInError to the person’s stream', async () => {
    const { spec, handler } = await setUp();
    await spec.when(() => handler.handle({ eventId: DOSE, reasonCode: 'wrong_person' }, clinic, meta));
    await spec.then([
      {
        streamId: personStream(PROVINCE, PERSON),
        type: 'DoseEnteredInError',
        data: expect.objectContaining({ doseEventId: DOSE, reasonCode: 'wrong_person', siteCode: CLINIC }),
      },
    ]);
  });

  it('given a dose the caller may not void, answers like an unknown dose (UNKNOWN_DOSE)', async () => {
    const { spec, handler } = await setUp({ access: { ...allowAll, mayVoidDose: () => Promise.resolve('not_found') } });
    await spec.when(() => handler.handle({ eventId: DOSE, reasonCode: 'wrong_person' }, clinic, meta));
    await spec.thenRefuses('UNKNOWN_DOSE');
  });

  it('given a dose recorded by another province, refuses openly (FORBIDDEN)', async () => {
    const { spec, handler } = await setUp({ origin: '510000' });
    await spec.when(() => handler.handle({ eventId: DOSE, reasonCode: 'wrong_person' }, clinic, meta));
    await spec.thenRefuses('FORBIDDEN');
  });

  it('given the dose already voided, refuses (DOSE_ALREADY_VOIDED)', async () => {
    const { spec, handler } = await setUp();
    await handler.handle({ eventId: DOSE, reasonCode: 'wrong_person' }, clinic, meta);
    await expect(handler.handle({ eventId: DOSE, reasonCode: 'other' }, clinic, meta)).rejects.toMatchObject({
      code: 'DOSE_ALREADY_VOIDED',
    });
    expect((await spec.appended()).map((e) => e.type)).toEqual(['DoseEnteredInError']);
  });
});
