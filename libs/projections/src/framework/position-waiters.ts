import type { GlobalPosition } from '@vaxledger/event-store';

interface Waiter {
  readonly position: GlobalPosition;
  readonly resolve: () => void;
  readonly reject: () => void;
}

/**
 * Callers waiting for the read models to reach a log position (commands that must check
 * against caught-up views): woken when the projector gets there, refused after their timeout
 * or when it stops.
 */
export class PositionWaiters {
  private waiters: Waiter[] = [];

  get size(): number {
    return this.waiters.length;
  }

  /**
   * Resolves once `wakeUpTo` reaches `position`; rejects with a ProjectionLagError (at the
   * position `reached` tells) after timeoutMs or on `rejectAll`.
   */
  wait(position: GlobalPosition, timeoutMs: number, reached: () => GlobalPosition): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: () => {
          clearTimeout(timer);
          reject(new ProjectionLagError(position, reached()));
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ProjectionLagError(position, reached()));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Wakes those waiting for `position` or an earlier one. */
  wakeUpTo(position: GlobalPosition): void {
    const [ready, waiting] = partition(this.waiters, (w) => w.position <= position);
    this.waiters = waiting;
    for (const w of ready) w.resolve();
  }

  /** Refuses every waiter at once. */
  rejectAll(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject();
  }
}

export class ProjectionLagError extends Error {
  readonly code = 'PROJECTION_LAG';
  constructor(
    readonly wanted: GlobalPosition,
    readonly reached: GlobalPosition,
  ) {
    super(`read models are behind the log (at ${reached}, need ${wanted}); try again shortly`);
    this.name = 'ProjectionLagError';
  }
}

const partition = <T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] => {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
};
