import type { Decider, Recorded } from '../shared/decider';
import { isRuleViolation, type RuleCode } from '../shared/rule-violation';

/**
 * Given / When / Then for deciders, with events as data:
 *
 *   deciderSpec(batchDecider)([batchProduced(...)])
 *     .when(releaseBatch(...))
 *     .then([batchReleased(...)]);   // or .thenRefuses('RELEASE_ALREADY_DECIDED')
 *
 * Given events may be bare (they get ids `given-1`, `given-2`, …) or `{ event, meta }`
 * when a test needs to name an event id (a dose to void).
 */
export const deciderSpec =
  <C, E extends { readonly type: string }, S>(decider: Decider<C, E, S>) =>
  (given: readonly (E | Recorded<E>)[] = []) => {
    const state = (): S =>
      given.reduce((acc: S, item, index) => {
        const recorded = isRecorded(item) ? item : { event: item, meta: { eventId: `given-${index + 1}` } };
        return decider.evolve(acc, recorded.event, recorded.meta);
      }, decider.initialState());

    return {
      when: (command: C) => ({
        then: (expected: readonly E[]): void => {
          expect(decider.decide(command, state())).toEqual(expected);
        },
        /** Checks the refusal's code (and its field, when given). */
        thenRefuses: (code: RuleCode, field?: string): void => {
          let thrown: unknown;
          try {
            decider.decide(command, state());
          } catch (error) {
            thrown = error;
          }
          expect(isRuleViolation(thrown) ? { code: thrown.code, field: thrown.field } : thrown).toEqual({
            code,
            field: field ?? (isRuleViolation(thrown) ? thrown.field : undefined),
          });
        },
      }),
      /** The folded state, for tests about evolve itself. */
      state,
    };
  };

const isRecorded = <E>(item: E | Recorded<E>): item is Recorded<E> =>
  typeof item === 'object' && item !== null && 'event' in item && 'meta' in item;

/** Freezes a value and everything inside it, so an evolve that mutates its input throws. */
export const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
};
