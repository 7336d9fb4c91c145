import type { EventStore, GlobalPosition } from '@vaxledger/event-store';
import type { ProjectionStatus } from './projection-runner';

/** How far one read model is behind the log, in the units operators think in. */
export interface ProjectionLag {
  readonly name: string;
  readonly position: GlobalPosition;
  /** Events in the log that the read model has not applied yet. */
  readonly events: number;
  /** True when `events` is a lower bound (an adapter that cannot count: read up to the cap). */
  readonly eventsAtLeast: boolean;
  /** Age of the oldest event not applied yet (0 when caught up). */
  readonly seconds: number;
}

/** Events read, at most, to count a lag where the store cannot count (KurrentDB). */
const READ_CAP = 10_000;

/**
 * Projection lag in events and seconds. Global positions are not event counts (a position
 * packs a transaction id and an index, ADR 0002), so the difference of two positions says
 * nothing useful: the log is counted between them, and the oldest unapplied event dated.
 * Projections at the same checkpoint (the usual case: one runner) are measured once.
 */
export const measureProjectionLag = async (
  store: EventStore,
  projections: readonly ProjectionStatus[],
  options: { head?: GlobalPosition; now?: number } = {},
): Promise<ProjectionLag[]> => {
  const head = options.head ?? (await store.headPosition());
  const now = options.now ?? Date.now();
  const byPosition = new Map<GlobalPosition, Promise<Omit<ProjectionLag, 'name' | 'position'>>>();
  const measure = async (position: GlobalPosition): Promise<Omit<ProjectionLag, 'name' | 'position'>> => {
    if (position >= head) return { events: 0, eventsAtLeast: false, seconds: 0 };
    const [oldest] = await store.readAll({ after: position, limit: 1 });
    if (!oldest || oldest.position > head) return { events: 0, eventsAtLeast: false, seconds: 0 };
    const seconds = Math.max(0, (now - oldest.recordedAt.getTime()) / 1000);
    if (store.countEvents) return { events: await store.countEvents(position, head), eventsAtLeast: false, seconds };
    const read = (await store.readAll({ after: position, limit: READ_CAP })).filter((e) => e.position <= head).length;
    return { events: read, eventsAtLeast: read === READ_CAP, seconds };
  };
  return Promise.all(
    projections.map(async ({ name, position }) => {
      let lag = byPosition.get(position);
      if (!lag) {
        lag = measure(position);
        byPosition.set(position, lag);
      }
      return { name, position, ...(await lag) };
    }),
  );
};
