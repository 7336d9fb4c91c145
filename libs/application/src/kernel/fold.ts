import type { Decider } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';

/** Folds a stream's stored events into a decider's state. */
export const foldHistory = <C, E, S>(decider: Decider<C, E, S>, history: readonly RecordedEvent[]): S =>
  history.reduce(
    (state, recorded) =>
      decider.evolve(state, { type: recorded.type, schemaVersion: recorded.schemaVersion, data: recorded.data } as E, {
        eventId: recorded.eventId,
        recordedAt: recorded.recordedAt.toISOString(),
      }),
    decider.initialState(),
  );
