import { type Actor, siteStream } from '@vaxledger/domain';
import { handlerSpec } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, MAH, productRow, REGULATOR } from '../testing/rows';
import { type DestroyUnitsCommand, DestroyUnitsHandler } from './destroy-units.handler';

const maker: Actor = { orgCode: MAH, role: 'manufacturer', provinceCode: '320000' };
const destruction: DestroyUnitsCommand = {
  destroyedAt: '2026-11-20T09:00:00+08:00',
  lines: [{ batchId: BATCH_ID, quantity: 10 }],
  reasonCode: 'damaged',
  executorRef: 'E-1',
  supervisorRef: 'S-1',
  supervisorOrgCode: REGULATOR,
};
const reads = () => memoryReads({ products: [productRow()], batches: [batchRow()] });

describe('DestroyUnits handler', () => {
  it('given doses the maker produced, appends UnitsDestroyed to its site stream', async () => {
    const spec = handlerSpec();
    const handler = new DestroyUnitsHandler({ executor: spec.executor, reads: reads(), clock: spec.clock });
    await spec.when(() => handler.handle(destruction, maker, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: siteStream(MAH),
        type: 'UnitsDestroyed',
        data: expect.objectContaining({ lines: [{ batchId: BATCH_ID, quantity: 10 }], reasonCode: 'damaged' }),
      },
    ]);
  });

  it('refuses a destruction its executor supervises (EXECUTOR_IS_SUPERVISOR)', async () => {
    const spec = handlerSpec();
    const handler = new DestroyUnitsHandler({ executor: spec.executor, reads: reads(), clock: spec.clock });
    await spec.when(() => handler.handle({ ...destruction, supervisorRef: 'E-1' }, maker, { correlationId: 'c' }));
    await spec.thenRefuses('EXECUTOR_IS_SUPERVISOR');
  });
});
