/**
 * Typed errors of the event-store port. Each has a stable `code`, which the HTTP edge turns
 * into problem+json; adapters translate their engine's errors into these.
 */
export type EventStoreErrorCode =
  | 'STREAM_CONFLICT'
  | 'EVENT_ID_CONFLICT'
  | 'STORE_UNAVAILABLE'
  | 'INVALID_APPEND'
  | 'APPEND_TOO_LARGE'
  | 'STREAM_DELETED'
  | 'GUARD_VIOLATION';

export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'EventStoreError';
  }
}

/** The stream's revision was not the one the writer expected (optimistic concurrency). */
export class StreamConflictError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actual: number | null,
  ) {
    super('STREAM_CONFLICT', `stream ${streamId}: expected revision ${expected}, found ${actual === null ? 'no stream' : actual}`);
    this.name = 'StreamConflictError';
  }
}

/** An event id already stored with different content: a retry changed its body, or an integrity problem. */
export class EventIdConflictError extends EventStoreError {
  constructor(readonly eventId: string) {
    super('EVENT_ID_CONFLICT', `event ${eventId} is already stored with different content`);
    this.name = 'EventIdConflictError';
  }
}

export class StoreUnavailableError extends EventStoreError {
  constructor(message: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', message, cause);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The engine refused the append as larger than it takes in one write (KurrentDB's maximum
 * append size, 1 MiB by default). Nothing was written; the same events in smaller appends,
 * or after the limit is raised, can be written.
 */
export class AppendTooLargeError extends EventStoreError {
  constructor(
    readonly streamId: string,
    /** The engine's limit in bytes, when it said. */
    readonly limitBytes: number | null,
    cause?: unknown,
  ) {
    super(
      'APPEND_TOO_LARGE',
      `append to ${streamId} is larger than the event store takes in one write${limitBytes === null ? '' : ` (${limitBytes} bytes)`}`,
      cause,
    );
    this.name = 'AppendTooLargeError';
  }
}

/** The stream was deleted (tombstoned) in the engine: it can be neither read nor appended to. */
export class StreamDeletedError extends EventStoreError {
  constructor(readonly streamId: string) {
    super('STREAM_DELETED', `stream ${streamId} is deleted in the event store`);
    this.name = 'StreamDeletedError';
  }
}

/**
 * An enforced guard refused the append (nothing was appended): `rule` is the refusal the
 * domain uses for it (INSUFFICIENT_STOCK, BATCH_RECALLED, BATCH_SUSPENDED, TRACE_CODE_USED,
 * TRACE_CODE_NOT_ON_HAND), `subject` the batch or unit.
 */
export class GuardViolationError extends EventStoreError {
  constructor(
    readonly rule: string,
    readonly subject: string,
  ) {
    super('GUARD_VIOLATION', `${rule}: ${subject}`);
    this.name = 'GuardViolationError';
  }
}

export const isEventStoreError = (error: unknown): error is EventStoreError => error instanceof EventStoreError;
