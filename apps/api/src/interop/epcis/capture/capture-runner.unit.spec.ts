import type { CaptureCommand } from './capture-translation';
import { concurrentGroups, idempotencyKeyOf, type Planned } from './capture-runner';

const batch = (index: number, lot: string): Planned => ({
  index,
  eventID: null,
  command: {
    useCase: 'registerBatch',
    body: { productCode: '8696321', lotNumber: lot, producedOn: '2026-09-01', expiresOn: '2028-08-31', quantity: 1 },
  },
  body: {},
});
const dispatch = (index: number): Planned => ({
  index,
  eventID: null,
  command: { useCase: 'dispatch', body: { toSite: 'x', dispatchedAt: 't', deliveryNoteNo: 'n', lines: [] } } as CaptureCommand,
  body: {},
});
const shape = (planned: Planned[]): number[][] => concurrentGroups(planned).map((g) => g.map((p) => p.index));

describe('running a captured document in order', () => {
  it('runs consecutive commissionings of different lots together, up to 16', () => {
    const many = Array.from({ length: 20 }, (_, i) => batch(i, `L${i}`));
    expect(shape(many).map((g) => g.length)).toEqual([16, 4]);
  });

  it('runs anything else alone, after everything before it', () => {
    expect(shape([batch(0, 'A'), batch(1, 'B'), dispatch(2), batch(3, 'C'), dispatch(4), dispatch(5)])).toEqual([
      [0, 1],
      [2],
      [3],
      [4],
      [5],
    ]);
  });

  it('never runs the same lot twice at once', () => {
    expect(shape([batch(0, 'A'), batch(1, 'A'), batch(2, 'B')])).toEqual([[0], [1, 2]]);
  });

  it('keys a command by its eventID, else by its content', () => {
    expect(idempotencyKeyOf({ eventID: 'urn:uuid:1' })).toBe(idempotencyKeyOf({ eventID: 'urn:uuid:1', other: 1 }));
    expect(idempotencyKeyOf({ a: 1 })).not.toBe(idempotencyKeyOf({ a: 2 }));
    expect(idempotencyKeyOf({ eventID: 'urn:uuid:1' })).toMatch(/^epcis-[0-9a-f]{64}$/);
  });
});
