/** A fact the domain decided, before the kernel adds its metadata. */
export interface DecidedEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/** API.md's command answer: what every write use case returns. */
export interface CommandAnswer {
  readonly id: string;
  readonly eventIds: readonly string[];
  readonly streamId: string;
  readonly revision: number;
  readonly position: string;
}

const REPLAYED = Symbol('replayed');

/** Tags an answer that repeats an earlier one, so the edge can say so (HTTP: 200 instead of 201). */
export const markReplayed = (answer: CommandAnswer): void => {
  Object.defineProperty(answer, REPLAYED, { value: true, enumerable: false });
};

export const isReplayedAnswer = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REPLAYED] === true;
