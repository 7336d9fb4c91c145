import fc from 'fast-check';
import { deciderSpec } from '../testing/decider-spec';
import { actor, BATCH_ID, code, LOT, MAH, NOW, OTHER_MAH, PRODUCT_CODE, product } from '../testing/fixtures';
import { foldRecorded } from '../shared/decider';
import { addDays, compareDates } from '../shared/dates';
import { allowedExpiryDates, batchDecider, type ProduceBatch, type ProduceBatchData } from './batch.decider';
import { batchProduced, type BatchProduced } from './batch.events';

const twoCodes = [code(17), code(24)];
const production: ProduceBatchData = {
  productCode: PRODUCT_CODE,
  lotNumber: LOT,
  producedOn: '2026-11-01',
  expiresOn: '2028-10-31',
  quantity: 2,
  traceCodes: twoCodes,
};

const produce = (data: Partial<ProduceBatchData> = {}, context: Partial<ProduceBatch['context']> = {}): ProduceBatch => ({
  type: 'ProduceBatch',
  data: { ...production, ...data },
  context: { now: NOW, actor: actor('manufacturer', MAH), product: product(), usedTraceCodes: [], ...context },
});

const produced = (data: Partial<BatchProduced['data']> = {}) =>
  batchProduced({
    batchId: BATCH_ID,
    productCode: PRODUCT_CODE,
    lotNumber: LOT,
    producedOn: '2026-11-01',
    expiresOn: '2028-10-31',
    quantity: 2,
    traceCodes: twoCodes,
    mahOrgCode: MAH,
    ...data,
  });

const given = deciderSpec(batchDecider);

describe('batch, when not yet produced', () => {
  it('records a serialised batch with one code per unit', () => given([]).when(produce()).then([produced()]));

  it.each(['2028-11-01', '2028-10-31', '2028-11-30'])('accepts expiry %s for a 24-month shelf life from 2026-11-01', (expiresOn) =>
    given([])
      .when(produce({ expiresOn }))
      .then([produced({ expiresOn })]),
  );

  it('accepts the end of the previous month when production is mid-month', () =>
    given([])
      .when(produce({ producedOn: '2026-11-15', expiresOn: '2028-10-31' }))
      .then([produced({ producedOn: '2026-11-15', expiresOn: '2028-10-31' })]));

  it('records a non-serialised multi-dose batch without codes', () =>
    given([])
      .when(produce({ quantity: 500, traceCodes: [] }, { product: product({ serialised: false, dosesPerUnit: 10 }) }))
      .then([produced({ quantity: 500, traceCodes: undefined })]));

  it('needs codes per unit, not per dose, for multi-dose units', () =>
    given([])
      .when(produce({ quantity: 20 }, { product: product({ dosesPerUnit: 10 }) }))
      .then([produced({ quantity: 20 })]));

  it('refuses a product that is not registered', () =>
    given([])
      .when(produce({}, { product: null }))
      .thenRefuses('UNKNOWN_PRODUCT', 'productCode'));

  it('refuses a caller that is not the product’s MAH', () => {
    given([])
      .when(produce({}, { actor: actor('manufacturer', OTHER_MAH) }))
      .thenRefuses('NOT_PRODUCT_OWNER');
    given([])
      .when(produce({}, { actor: actor('cdc', MAH) }))
      .thenRefuses('NOT_PRODUCT_OWNER');
  });

  it.each([0, -2, 1.5])('refuses a quantity of %d', (quantity) =>
    given([]).when(produce({ quantity })).thenRefuses('INVALID_QUANTITY', 'quantity'),
  );

  it('refuses production dated after today (China time)', () =>
    given([])
      .when(produce({ producedOn: '2026-11-21', expiresOn: '2028-11-20' }))
      .thenRefuses('TIME_IN_FUTURE', 'producedOn'));

  it('allows production dated today in China while it is still yesterday in UTC', () =>
    given([])
      .when(produce({ producedOn: '2026-11-21', expiresOn: '2028-11-20' }, { now: '2026-11-20T16:30:00Z' }))
      .then([produced({ producedOn: '2026-11-21', expiresOn: '2028-11-20' })]));

  it.each(['2026-11-01', '2026-10-31'])('refuses expiry %s on or before production', (expiresOn) =>
    given([]).when(produce({ expiresOn })).thenRefuses('EXPIRY_BEFORE_PRODUCTION', 'expiresOn'),
  );

  it.each(['2028-10-30', '2028-12-01', '2027-10-31'])('refuses expiry %s that the shelf life does not give', (expiresOn) =>
    given([]).when(produce({ expiresOn })).thenRefuses('EXPIRY_INCONSISTENT_WITH_SHELF_LIFE', 'expiresOn'),
  );

  it('refuses a serialised batch without codes', () =>
    given([])
      .when(produce({ traceCodes: undefined }))
      .thenRefuses('TRACE_CODE_COUNT_MISMATCH', 'traceCodes'));

  it('refuses a code count that does not match the units', () =>
    given([])
      .when(produce({ traceCodes: [code(1)] }))
      .thenRefuses('TRACE_CODE_COUNT_MISMATCH'));

  it('refuses a quantity that is not whole units', () =>
    given([])
      .when(produce({ quantity: 15, traceCodes: [code(1), code(2)] }, { product: product({ dosesPerUnit: 10 }) }))
      .thenRefuses('TRACE_CODE_COUNT_MISMATCH'));

  it('refuses codes for a product that is not serialised', () =>
    given([])
      .when(produce({}, { product: product({ serialised: false }) }))
      .thenRefuses('TRACE_CODE_COUNT_MISMATCH'));

  it('refuses a code of another product', () =>
    given([])
      .when(produce({ traceCodes: [code(1), code(2, '8696999')] }))
      .thenRefuses('TRACE_CODE_WRONG_PRODUCT'));

  it('refuses a China trace code that is not 20 digits', () =>
    given([])
      .when(produce({ traceCodes: [code(1), `${code(2)}9`] }))
      .thenRefuses('INVALID_TRACE_CODE'));

  it('does not prefix-check codes of a GTIN-coded product', () =>
    given([])
      .when(
        produce(
          { productCode: '06901234567892', traceCodes: ['SN00042A', 'SN00042B'] },
          { product: product({ productCode: '06901234567892', levels: [{ level: 1, code: '06901234567892', childrenPerParent: 1 }] }) },
        ),
      )
      .then([produced({ batchId: `06901234567892-${LOT}`, productCode: '06901234567892', traceCodes: ['SN00042A', 'SN00042B'] })]));

  it('refuses a code listed twice', () =>
    given([])
      .when(produce({ traceCodes: [code(1), code(1)] }))
      .thenRefuses('TRACE_CODE_DUPLICATE'));

  it('refuses a code already in use elsewhere', () =>
    given([])
      .when(produce({}, { usedTraceCodes: [code(24)] }))
      .thenRefuses('TRACE_CODE_DUPLICATE'));

  it.each(['', 'B2024/03', '2024 03', 'b2024', 'A'.repeat(21)])('refuses lot number %j', (lotNumber) =>
    given([]).when(produce({ lotNumber })).thenRefuses('INVALID_LOT_NUMBER', 'lotNumber'),
  );

  it('refuses a date that does not exist', () =>
    given([])
      .when(produce({ producedOn: '2026-02-30' }))
      .thenRefuses('INVALID_DATE', 'producedOn'));
});

describe('batch, when produced', () => {
  it('refuses the same product and lot again', () => given([produced()]).when(produce()).thenRefuses('BATCH_EXISTS'));

  it('remembers what was made', () =>
    expect(given([produced()]).state()).toEqual({
      status: 'produced',
      batch: {
        batchId: BATCH_ID,
        productCode: PRODUCT_CODE,
        lotNumber: LOT,
        producedOn: '2026-11-01',
        expiresOn: '2028-10-31',
        quantity: 2,
        mahOrgCode: MAH,
        traceCodeCount: 2,
      },
    }));
});

describe('shelf-life expiry dates', () => {
  it('lists the four label conventions', () =>
    expect(allowedExpiryDates('2026-11-15', 24)).toEqual(['2028-11-15', '2028-11-14', '2028-11-30', '2028-10-31']));

  it('clamps to short months and drops repeats', () =>
    expect(allowedExpiryDates('2024-01-31', 1)).toEqual(['2024-02-29', '2024-02-28', '2024-01-31']));

  it('accepts every allowed date that falls after production', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 60 }), (offset, months) => {
        const producedOn = addDays('2020-01-01', offset);
        const later = allowedExpiryDates(producedOn, months).filter((date) => compareDates(date, producedOn) > 0);
        expect(later.length).toBeGreaterThanOrEqual(2);
        for (const expiresOn of later) {
          const events = batchDecider.decide(
            produce(
              { producedOn, expiresOn, quantity: 1, traceCodes: undefined },
              { product: product({ shelfLifeMonths: months, serialised: false }), now: '2030-01-01T00:00:00+08:00' },
            ),
            batchDecider.initialState(),
          );
          expect(events).toHaveLength(1);
        }
      }),
    ));

  it('folds deterministically', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (quantity) => {
        const recorded = [{ event: produced({ quantity }), meta: { eventId: 'e1' } }];
        expect(foldRecorded(batchDecider, recorded)).toEqual(foldRecorded(batchDecider, recorded));
      }),
    ));
});
