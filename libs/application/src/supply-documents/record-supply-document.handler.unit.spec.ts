import { type Actor, batchStream } from '@vaxledger/domain';
import { allowAll } from '../kernel/access';
import { handlerSpec } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { CITY_CDC, MAH, orgRow, PRODUCT_CODE, productRow } from '../testing/rows';
import { RecordSupplyDocumentHandler, type SupplyDocumentItem } from './record-supply-document.handler';

const maker: Actor = { orgCode: MAH, role: 'manufacturer', provinceCode: '320000' };
const code = (n: number): string => `${PRODUCT_CODE}${String(n).padStart(13, '0')}`;
const produce = (lot: string, codes: string[], key = `k-${lot}`): SupplyDocumentItem => ({
  idempotencyKey: key,
  supply: {
    useCase: 'registerBatch',
    command: {
      productCode: PRODUCT_CODE,
      lotNumber: lot,
      producedOn: '2026-11-01',
      expiresOn: '2028-10-31',
      quantity: codes.length,
      traceCodes: codes,
    },
  },
});
const ship = (lot: string, codes: string[]): SupplyDocumentItem => ({
  idempotencyKey: `ship-${lot}`,
  supply: {
    useCase: 'dispatch',
    command: {
      toSite: CITY_CDC,
      dispatchedAt: '2026-11-10T08:00:00+08:00',
      deliveryNoteNo: `DN-${lot}`,
      lines: [{ batchId: `${PRODUCT_CODE}-${lot}`, quantity: codes.length, traceCodes: codes }],
    },
  },
});

const setUp = () => {
  const spec = handlerSpec();
  const reads = memoryReads({
    products: [productRow({ serialised: true, dosesPerUnit: 1 })],
    organisations: [orgRow({ orgCode: MAH, kind: 'manufacturer' }), orgRow({ orgCode: CITY_CDC, kind: 'cdc' })],
  });
  const handler = new RecordSupplyDocumentHandler({
    executor: spec.executor,
    store: spec.store,
    reads,
    access: allowAll,
    clock: spec.clock,
  });
  return { spec, handler };
};

describe('RecordSupplyDocument handler', () => {
  it('appends every command’s facts when all are accepted, and nothing new when the same document comes again', async () => {
    const { spec, handler } = setUp();
    const items = [produce('L1', [code(1), code(2)]), produce('L2', [code(3)])];
    expect(await handler.handle(items, maker, 'c')).toEqual({ ok: true, appendedEvents: 2, replayedItems: 0 });
    await spec.then([
      { streamId: batchStream(`${PRODUCT_CODE}-L1`), type: 'BatchProduced', data: expect.objectContaining({ quantity: 2 }) },
      { streamId: batchStream(`${PRODUCT_CODE}-L2`), type: 'BatchProduced', data: expect.objectContaining({ quantity: 1 }) },
    ]);
    expect(await handler.handle(items, maker, 'c')).toEqual({ ok: true, appendedEvents: 0, replayedItems: 2 });
    expect(await spec.appended()).toHaveLength(2);
  });

  it('given a third command that breaks a rule, appends nothing of the first two and names the refusal’s index and code', async () => {
    const { spec, handler } = setUp();
    // L1 exists only in this document, unreleased: its dispatch is decided on that (BATCH_NOT_RELEASED, not UNKNOWN_BATCH).
    const outcome = await handler.handle([produce('L1', [code(1)]), produce('L2', [code(2)]), ship('L1', [code(1)])], maker, 'c');
    expect(outcome.ok).toBe(false);
    const refusals = outcome.ok ? [] : outcome.refusals;
    expect(refusals.map((r) => [r.index, (r.error as { code: string }).code])).toEqual([[2, 'BATCH_NOT_RELEASED']]);
    expect(await spec.appended()).toEqual([]);
  });

  it('sees what earlier commands staged: a unit commissioned twice in one document is refused the second time', async () => {
    const { spec, handler } = setUp();
    const outcome = await handler.handle([produce('L1', [code(1)]), produce('L2', [code(1)])], maker, 'c');
    expect(outcome.ok ? [] : outcome.refusals.map((r) => [r.index, (r.error as { code: string }).code])).toEqual([
      [1, 'TRACE_CODE_DUPLICATE'],
    ]);
    expect(await spec.appended()).toEqual([]);
  });

  it('gives each item’s facts its own further metadata (an EPCIS eventID), beside the metadata every fact carries', async () => {
    const { spec, handler } = setUp();
    const items = [{ ...produce('L1', [code(1)]), metadata: { epcisEventId: 'urn:uuid:e1', actor: 'not this' } }, produce('L2', [code(2)])];
    expect(await handler.handle(items, maker, 'c')).toMatchObject({ ok: true, appendedEvents: 2 });
    const events = await spec.store.readAll({ after: 0n, limit: 10 });
    expect(events.map((e) => e.metadata.epcisEventId)).toEqual(['urn:uuid:e1', undefined]);
    expect(events[0]!.metadata).toMatchObject({ correlationId: 'c', actor: { orgCode: MAH } });
  });

  it('refuses one key used twice in a document for different commands (IDEMPOTENCY_KEY_REUSED)', async () => {
    const { handler } = setUp();
    const outcome = await handler.handle([produce('L1', [code(1)], 'same'), produce('L2', [code(2)], 'same')], maker, 'c');
    expect(outcome.ok ? [] : outcome.refusals.map((r) => (r.error as { code: string }).code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  });
});
