import { randomUUID } from 'node:crypto';
import type { Actor } from '@vaxledger/domain';
import { MemoryEventStore } from '@vaxledger/event-store';
import { isReplayedAnswer } from './command-answer';
import { CommandExecutor, type CommandRequest } from './command-executor';
import { MemoryIdempotencyStore } from './idempotency';

const actor: Actor = { orgCode: '12440300MB1B2345QN', role: 'clinic', provinceCode: '440000' };
const fact = { type: 'Noted', schemaVersion: 1, data: { n: 1 } };

const setUp = () => {
  const store = new MemoryEventStore();
  const observed: string[] = [];
  const executor = new CommandExecutor({
    store,
    provinceCode: '440000',
    idempotency: new MemoryIdempotencyStore(),
    catchUp: () => Promise.resolve(),
    observe: (command, outcome) => observed.push(`${command}:${outcome}`),
  });
  const request = (over: Partial<CommandRequest> = {}): CommandRequest => ({
    command: 'Note',
    streamId: 'note-1',
    resourceId: 'note-1',
    actor,
    correlationId: 'c',
    body: { n: 1 },
    decide: () => Promise.resolve([fact]),
    ...over,
  });
  const other = (n: number) => store.append('note-1', [{ eventId: randomUUID(), ...fact, data: { n }, metadata: {} }]);
  return { store, executor, request, observed, other };
};

describe('command executor', () => {
  it('stamps correlation id, actor and origin province on what it appends, and reports the outcome', async () => {
    const { store, executor, request, observed } = setUp();
    const { answer, replayed } = await executor.run(request());
    expect(replayed).toBe(false);
    const [event] = await store.readStream('note-1');
    expect(event?.metadata).toEqual({
      correlationId: 'c',
      actor: { orgCode: actor.orgCode, role: 'clinic', provinceCode: '440000' },
      originProvince: '440000',
    });
    expect(answer).toMatchObject({ id: 'note-1', streamId: 'note-1', revision: 0, eventIds: [event?.eventId] });
    expect(observed).toEqual(['Note:appended']);
  });

  it('re-reads and re-decides when another writer appends meanwhile', async () => {
    const { store, executor, request, other } = setUp();
    let calls = 0;
    await executor.run(
      request({
        decide: async () => {
          if (calls++ === 0) await other(9);
          return [fact];
        },
      }),
    );
    expect(calls).toBe(2);
    expect((await store.readStream('note-1')).map((e) => (e.data as { n: number }).n)).toEqual([9, 1]);
  });

  it('gives up after three attempts of a stream that keeps changing (STREAM_CONFLICT)', async () => {
    const { executor, request, other, observed } = setUp();
    let n = 0;
    const busy = request({ decide: async () => (await other(++n), [fact]) });
    await expect(executor.run(busy)).rejects.toMatchObject({ code: 'STREAM_CONFLICT' });
    expect(n).toBe(3);
    expect(observed).toEqual(['Note:STREAM_CONFLICT']);
  });

  it('refuses a stale if-match revision without deciding (REVISION_MISMATCH)', async () => {
    const { executor, request, other } = setUp();
    await other(1);
    let decided = false;
    const stale = request({ ifMatch: 5, decide: () => ((decided = true), Promise.resolve([fact])) });
    await expect(executor.run(stale)).rejects.toMatchObject({ code: 'REVISION_MISMATCH' });
    expect(decided).toBe(false);
  });

  it('answers a keyed retry with the first answer, marked as replayed', async () => {
    const { store, executor, request } = setUp();
    const first = await executor.run(request({ idempotencyKey: 'k' }));
    const again = await executor.run(request({ idempotencyKey: 'k' }));
    expect(again).toEqual({ answer: first.answer, replayed: true });
    expect(isReplayedAnswer(again.answer)).toBe(true);
    expect(await store.readStream('note-1')).toHaveLength(1);
    await expect(executor.run(request({ idempotencyKey: 'k', body: { n: 2 } }))).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('appends nothing when the decider has nothing new, answering with the stream as it stands', async () => {
    const { executor, request, other } = setUp();
    await other(1);
    const { answer, replayed } = await executor.run(request({ decide: () => Promise.resolve([]) }));
    expect(replayed).toBe(true);
    expect(answer).toMatchObject({ eventIds: [], revision: 0 });
  });
});
