import { RuleViolation } from '../shared/rule-violation';
import type { Decider } from '../shared/decider';
import { deciderSpec, deepFreeze } from './decider-spec';

type Added = { type: 'Added'; n: number };
type Add = { n: number };
const counter: Decider<Add, Added, { total: number; ids: string[] }> = {
  initialState: () => ({ total: 0, ids: [] }),
  evolve: (state, event, meta) => ({ total: state.total + event.n, ids: [...state.ids, meta.eventId] }),
  decide: (command, state) => {
    if (state.total + command.n > 3) throw new RuleViolation('INSUFFICIENT_STOCK', 'too many', 'n');
    return [{ type: 'Added', n: command.n }];
  },
};

describe('decider spec helper', () => {
  const given = deciderSpec(counter);

  it('folds given events, naming bare ones given-1, given-2…', () =>
    expect(
      given([
        { type: 'Added', n: 1 },
        { event: { type: 'Added', n: 1 }, meta: { eventId: 'x' } },
      ]).state(),
    ).toEqual({
      total: 2,
      ids: ['given-1', 'x'],
    }));

  it('passes when the decided events match', () =>
    given([])
      .when({ n: 2 })
      .then([{ type: 'Added', n: 2 }]));

  it('fails when the decided events differ', () =>
    expect(() =>
      given([])
        .when({ n: 2 })
        .then([{ type: 'Added', n: 3 }]),
    ).toThrow());

  it('passes on the expected refusal', () =>
    given([{ type: 'Added', n: 3 }])
      .when({ n: 1 })
      .thenRefuses('INSUFFICIENT_STOCK', 'n'));

  it('fails when the command is accepted instead of refused', () =>
    expect(() => given([]).when({ n: 1 }).thenRefuses('INSUFFICIENT_STOCK')).toThrow());

  it('fails on another code or another field', () => {
    expect(() =>
      given([{ type: 'Added', n: 3 }])
        .when({ n: 1 })
        .thenRefuses('BATCH_RECALLED'),
    ).toThrow();
    expect(() =>
      given([{ type: 'Added', n: 3 }])
        .when({ n: 1 })
        .thenRefuses('INSUFFICIENT_STOCK', 'm'),
    ).toThrow();
  });

  it('freezes deeply', () => {
    const frozen = deepFreeze({ a: { b: [1] } });
    expect(Object.isFrozen(frozen.a.b)).toBe(true);
  });
});
