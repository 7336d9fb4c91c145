import { type Actor, batchReleased, batchStream, lotReleaseStream } from '@vaxledger/domain';
import { type AccessPolicy, allowAll } from '../kernel/access';
import { handlerSpec } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, MAH, PRODUCT_CODE, productRow, REGULATOR } from '../testing/rows';
import { RefuseReleaseHandler } from './refuse-release.handler';
import { RegisterBatchHandler } from './register-batch.handler';
import { ReleaseBatchHandler } from './release-batch.handler';

const maker: Actor = { orgCode: MAH, role: 'manufacturer', provinceCode: '320000' };
const regulator: Actor = { orgCode: REGULATOR, role: 'regulator', provinceCode: '000000' };
const meta = { correlationId: 'c' };
const produced = { productCode: PRODUCT_CODE, lotNumber: '202611a017', producedOn: '2026-11-01', expiresOn: '2028-10-31', quantity: 100 };

describe('RegisterBatch handler', () => {
  it('given the maker’s registered product, appends BatchProduced to the batch stream named after the normalised lot', async () => {
    const spec = handlerSpec();
    const handler = new RegisterBatchHandler({
      executor: spec.executor,
      reads: memoryReads({ products: [productRow()] }),
      clock: spec.clock,
    });
    const answer = await spec.when(() => handler.handle(produced, maker, meta));
    expect(answer?.id).toBe(BATCH_ID);
    await spec.then([
      { streamId: batchStream(BATCH_ID), type: 'BatchProduced', data: expect.objectContaining({ batchId: BATCH_ID, quantity: 100 }) },
    ]);
  });

  it('refuses a lot number with punctuation (INVALID_LOT_NUMBER) without reading the product', async () => {
    const spec = handlerSpec();
    const handler = new RegisterBatchHandler({ executor: spec.executor, reads: memoryReads(), clock: spec.clock });
    await spec.when(() => handler.handle({ ...produced, lotNumber: 'A/17' }, maker, meta));
    await spec.thenRefuses('INVALID_LOT_NUMBER');
  });

  it('given no such product, refuses (UNKNOWN_PRODUCT)', async () => {
    const spec = handlerSpec();
    const handler = new RegisterBatchHandler({ executor: spec.executor, reads: memoryReads(), clock: spec.clock });
    await spec.when(() => handler.handle(produced, maker, meta));
    await spec.thenRefuses('UNKNOWN_PRODUCT');
  });
});

describe('ReleaseBatch and RefuseRelease handlers', () => {
  const deps = (spec: ReturnType<typeof handlerSpec>, access: AccessPolicy = allowAll) => ({
    executor: spec.executor,
    reads: memoryReads({ batches: [batchRow({ releaseState: 'pending' })] }),
    access,
    clock: spec.clock,
  });

  it('given a pending batch, the regulator’s release goes to the lot-release stream', async () => {
    const spec = handlerSpec();
    await spec.when(() =>
      new ReleaseBatchHandler(deps(spec)).handle({ batchId: BATCH_ID, certificateNo: 'C-1', decidedOn: '2026-11-05' }, regulator, meta),
    );
    await spec.then([
      { streamId: lotReleaseStream(BATCH_ID), type: 'BatchReleased', data: expect.objectContaining({ certificateNo: 'C-1' }) },
    ]);
  });

  it('given a release already granted, a refusal is refused (RELEASE_ALREADY_DECIDED)', async () => {
    const spec = handlerSpec();
    await spec.given(lotReleaseStream(BATCH_ID), [
      batchReleased({ batchId: BATCH_ID, certificateNo: 'C-1', decidedOn: '2026-11-05', authorityOrgCode: REGULATOR }),
    ]);
    await spec.when(() =>
      new RefuseReleaseHandler(deps(spec)).handle({ batchId: BATCH_ID, reason: 'potency', decidedOn: '2026-11-06' }, regulator, meta),
    );
    await spec.thenRefuses('RELEASE_ALREADY_DECIDED');
  });

  it('given a batch outside the regulator’s reach, answers like an unknown batch (UNKNOWN_BATCH)', async () => {
    const spec = handlerSpec();
    const hidden: AccessPolicy = { ...allowAll, mayDecideRelease: () => Promise.resolve('not_found') };
    await spec.when(() =>
      new ReleaseBatchHandler(deps(spec, hidden)).handle(
        { batchId: BATCH_ID, certificateNo: 'C-1', decidedOn: '2026-11-05' },
        regulator,
        meta,
      ),
    );
    await spec.thenRefuses('UNKNOWN_BATCH');
  });
});
