/** Doses on one China-local day (YYYY-MM-DD), as GET /v1/batches/{batchId}/doses-by-day gives them. */
export interface DayCount {
  readonly day: string;
  readonly count: number;
}

const DAY_MS = 86_400_000;
const dayNumber = (day: string): number =>
  Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / DAY_MS;
const dayOf = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

/**
 * Every day from the first to the last day with doses, those without doses at 0: the API lists
 * only days with doses, and a chart of those alone would put a quiet week between two bars
 * as if they were consecutive days. Calendar days, so the zone plays no part.
 */
export const everyDay = (days: readonly DayCount[]): DayCount[] => {
  if (days.length === 0) return [];
  const counts = new Map(days.map((d) => [dayNumber(d.day), d.count]));
  const numbers = [...counts.keys()];
  const first = Math.min(...numbers);
  const last = Math.max(...numbers);
  return Array.from({ length: last - first + 1 }, (_, i) => ({ day: dayOf(first + i), count: counts.get(first + i) ?? 0 }));
};
