import type { Projection } from './projection';

/**
 * Splits the projections into `count` groups of about equal apply time (LPT), keeping each
 * projection with those it reads from, each group in registry order.
 */
export const projectionLanes = (
  projections: readonly Projection[],
  count: number,
  timings: ReadonlyMap<string, number>,
): Projection[][] => {
  const groupOf = new Map<string, Set<string>>();
  for (const p of projections) groupOf.set(p.name, new Set([p.name]));
  for (const p of projections)
    for (const other of p.readsFrom ?? []) {
      const a = groupOf.get(p.name)!;
      const b = groupOf.get(other);
      if (!b || a === b) continue;
      for (const name of b) {
        a.add(name);
        groupOf.set(name, a);
      }
    }
  const groups = [...new Set(groupOf.values())].map((names) => ({
    names,
    cost: [...names].reduce((sum, n) => sum + (timings.get(n) ?? 0), 0),
  }));
  groups.sort((a, b) => b.cost - a.cost);
  const lanes = Array.from({ length: count }, () => ({ names: new Set<string>(), cost: 0 }));
  for (const g of groups) {
    const lightest = lanes.reduce((a, b) => (b.cost < a.cost ? b : a));
    for (const n of g.names) lightest.names.add(n);
    lightest.cost += g.cost;
  }
  return lanes.map((l) => projections.filter((p) => l.names.has(p.name))).filter((l) => l.length > 0);
};
