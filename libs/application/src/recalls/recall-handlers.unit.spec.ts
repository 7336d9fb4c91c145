import { type Actor, batchRecalled, recallStream } from '@vaxledger/domain';
import { type AccessPolicy, allowAll } from '../kernel/access';
import { handlerSpec } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, MAH, REGULATOR } from '../testing/rows';
import { type LaunchRecallCommand, LaunchRecallHandler } from './launch-recall.handler';
import { LiftRecallHandler } from './lift-recall.handler';

const maker: Actor = { orgCode: MAH, role: 'manufacturer', provinceCode: '320000' };
const regulator: Actor = { orgCode: REGULATOR, role: 'regulator', provinceCode: '000000' };
const RECALL = '3e1f9c2a-5b7d-4e6f-8a9b-0c1d2e3f4a5b';
const order: LaunchRecallCommand = {
  batchIds: [BATCH_ID],
  kind: 'suspension',
  level: 2,
  initiation: 'voluntary',
  reasonCode: 'cold_chain',
  reasonText: 'logger showed 12 °C for six hours',
  effectiveAt: '2026-11-20T08:00:00+08:00',
  actions: ['stop_use', 'quarantine'],
  personFollowUp: 'none',
};

describe('LaunchRecall handler', () => {
  it('given the maker’s own batch, appends BatchRecalled to a new recall stream', async () => {
    const spec = handlerSpec();
    const handler = new LaunchRecallHandler({
      executor: spec.executor,
      reads: memoryReads({ batches: [batchRow()] }),
      access: allowAll,
      clock: spec.clock,
    });
    const answer = await spec.when(() => handler.handle(order, maker, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: recallStream(answer!.id),
        type: 'BatchRecalled',
        data: expect.objectContaining({ recallId: answer!.id, batchIds: [BATCH_ID], issuerOrgCode: MAH }),
      },
    ]);
  });

  it('given a batch out of the caller’s reach among several, answers like an unknown batch (UNKNOWN_BATCH)', async () => {
    const spec = handlerSpec();
    const other = `${BATCH_ID.slice(0, 8)}202611B001`;
    const access: AccessPolicy = { ...allowAll, mayRecallBatch: (_actor, id) => Promise.resolve(id === other ? 'not_found' : 'allow') };
    const handler = new LaunchRecallHandler({
      executor: spec.executor,
      reads: memoryReads({ batches: [batchRow(), batchRow({ batchId: other })] }),
      access,
      clock: spec.clock,
    });
    await spec.when(() => handler.handle({ ...order, batchIds: [BATCH_ID, other] }, maker, { correlationId: 'c' }));
    await spec.thenRefuses('UNKNOWN_BATCH');
  });
});

describe('LiftRecall handler', () => {
  const recalled = batchRecalled({ ...order, recallId: RECALL, issuerOrgCode: MAH });
  const recallRow = {
    recallId: RECALL,
    batchIds: [BATCH_ID],
    kind: 'suspension',
    level: 2,
    details: { issuerOrgCode: MAH },
    lifted: false,
    lift: null,
    position: '1',
  };

  it('given a suspension, the regulator’s lift appends RecallLifted', async () => {
    const spec = handlerSpec();
    await spec.given(recallStream(RECALL), [recalled]);
    const reads = memoryReads({ recalls: [recallRow] });
    const handler = new LiftRecallHandler({ executor: spec.executor, reads, access: allowAll, clock: spec.clock });
    await spec.when(() => handler.handle({ recallId: RECALL, reasonCode: 'cleared' }, regulator, { correlationId: 'c' }));
    await spec.then([
      { streamId: recallStream(RECALL), type: 'RecallLifted', data: { recallId: RECALL, batchIds: [BATCH_ID], reasonCode: 'cleared' } },
    ]);
  });

  it('given a recall the policy hides, answers like an unknown recall (UNKNOWN_RECALL)', async () => {
    const spec = handlerSpec();
    await spec.given(recallStream(RECALL), [recalled]);
    const access: AccessPolicy = { ...allowAll, mayLiftRecall: () => Promise.resolve('not_found') };
    const handler = new LiftRecallHandler({
      executor: spec.executor,
      reads: memoryReads({ recalls: [recallRow] }),
      access,
      clock: spec.clock,
    });
    await spec.when(() => handler.handle({ recallId: RECALL, reasonCode: 'cleared' }, regulator, { correlationId: 'c' }));
    await spec.thenRefuses('UNKNOWN_RECALL');
  });
});
