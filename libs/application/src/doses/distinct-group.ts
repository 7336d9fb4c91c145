import { idempotencyIdentity } from '../kernel/idempotency';
import type { DoseInput } from './dose-decision';

/** What a dose holds while its group is written: its person's stream, and its key if it has one. */
const namesOf = (input: DoseInput): string[] => {
  const names = [`s:${input.streamId}`];
  const key = input.meta.idempotencyKey;
  if (key) names.push(`k:${idempotencyIdentity(input.actor.orgCode, key)}`);
  return names;
};

/**
 * The first group of doses that can be written together (at most `size`, in arrival order): no
 * two for one person or one idempotency key. A dose left out holds back the later doses of its
 * person and key, so that each person's doses keep their order; the rest come back in order.
 */
export const firstDistinctGroup = <T extends { readonly input: DoseInput }>(
  items: readonly T[],
  size: number,
): { group: T[]; rest: T[] } => {
  const group: T[] = [];
  const rest: T[] = [];
  const held = new Set<string>();
  for (const [at, item] of items.entries()) {
    if (group.length >= size) {
      rest.push(...items.slice(at));
      break;
    }
    const names = namesOf(item.input);
    if (names.some((n) => held.has(n))) rest.push(item);
    else group.push(item);
    for (const n of names) held.add(n);
  }
  return { group, rest };
};
