import type { Actor } from './domain-event';
import type { Instant } from './dates';

/**
 * What every command brings from the world: the handler's clock reading and the caller.
 * Deciders never read a clock or generate ids themselves, so a replay decides the same way.
 */
export interface BaseContext {
  readonly now: Instant;
  readonly actor: Actor;
}

/** A request to change one stream: the caller's `data` plus the `context` the handler looked up. */
export type Command<T extends string, D, C extends BaseContext = BaseContext> = Readonly<{
  type: T;
  data: Readonly<D>;
  context: Readonly<C>;
}>;

/** Store metadata an evolve step may need (a person's doses are referred to by event id). */
export interface EventMeta {
  readonly eventId: string;
  readonly recordedAt?: Instant;
}

export interface Decider<C, E, S> {
  /** Returns the events that record the command, or throws a RuleViolation. */
  readonly decide: (command: C, state: S) => E[];
  readonly evolve: (state: S, event: E, meta: EventMeta) => S;
  readonly initialState: () => S;
}

/** An event as read back from a stream. */
export interface Recorded<E> {
  readonly event: E;
  readonly meta: EventMeta;
}

/** Folds recorded events over the decider's initial state. */
export const foldRecorded = <C, E, S>(decider: Decider<C, E, S>, recorded: readonly Recorded<E>[]): S =>
  recorded.reduce((state, { event, meta }) => decider.evolve(state, event, meta), decider.initialState());
