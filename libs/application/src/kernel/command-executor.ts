import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '@vaxledger/domain';
import { type EventStore, type NewEvent, type RecordedEvent, StreamConflictError } from '@vaxledger/event-store';
import { type CommandAnswer, type DecidedEvent, markReplayed } from './command-answer';
import { ApplicationError } from './errors';
import type { IdempotencyStore, RememberedAnswer } from './idempotency';
import { keyedEventId } from './uuid-v5';

export interface CommandRequest {
  readonly command: string;
  readonly streamId: string;
  readonly resourceId: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly idempotencyKey?: string | undefined;
  readonly ifMatch?: number | undefined;
  /** The command's input, hashed to tell a retry from a reused key. */
  readonly body: unknown;
  /** Called with the stream's events; returns the new facts (or throws a RuleViolation). */
  readonly decide: (history: readonly RecordedEvent[]) => Promise<readonly DecidedEvent[]>;
}

export interface CommandOutcome {
  readonly answer: CommandAnswer;
  /** True when this answer repeats an earlier one (same idempotency key and command). */
  readonly replayed: boolean;
}

export interface CommandExecutorDeps {
  readonly store: EventStore;
  /** Province of this node: every appended event's origin. */
  readonly provinceCode: string;
  readonly idempotency: IdempotencyStore;
  /**
   * Resolves once every read model has applied what the log held when the command arrived
   * (the rules check against them). A node without projections passes a no-op.
   */
  readonly catchUp: () => Promise<void>;
  /** Told how long each command took and how it ended (metrics). */
  readonly observe?: (command: string, outcome: string, seconds: number) => void;
}

const MAX_ATTEMPTS = 3;

const canonicalHash = (body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');

/** The hash kept beside a keyed answer: the same key with another request is refused. */
export const requestHashOf = (request: Pick<CommandRequest, 'command' | 'streamId' | 'body'>): string =>
  canonicalHash({ command: request.command, streamId: request.streamId, body: request.body });

export const keyReused = (): ApplicationError =>
  new ApplicationError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');

/**
 * The answer kept under a key for the request whose hash is `requestHash`: null when none is
 * kept; a key kept for another request is refused (`keyReused`).
 */
export const keptAnswerFor = (seen: RememberedAnswer | null, requestHash: string): CommandAnswer | null => {
  if (seen && seen.requestHash !== requestHash) throw keyReused();
  return seen?.answer ?? null;
};

/** Adds the metadata every event carries; keyed commands get ids derived from the key. */
export const stampEvents = (request: CommandRequest, decided: readonly DecidedEvent[], provinceCode: string): NewEvent[] => {
  const key = request.idempotencyKey;
  return decided.map((event, index) => ({
    eventId: key ? keyedEventId(request.actor.orgCode, key, index) : randomUUID(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      correlationId: request.correlationId,
      actor: {
        orgCode: request.actor.orgCode,
        role: request.actor.role,
        provinceCode: request.actor.provinceCode,
        ...(request.actor.siteCode ? { siteCode: request.actor.siteCode } : {}),
      },
      originProvince: provinceCode,
    },
  }));
};

/**
 * What a use-case handler runs its command through: the executor below, or a stage that
 * decides without appending (libs/application/src/supply-documents).
 */
export type CommandRunner = Pick<CommandExecutor, 'run' | 'catchUp'>;

/**
 * Runs a command the same way every time: wait until the read models reflect the log
 * (the rules check against them), read the stream, decide, append at the revision read.
 * A concurrent writer makes it re-read and re-decide, up to three times; with if-match
 * the caller's revision is used and a stale one is refused (REVISION_MISMATCH).
 */
export class CommandExecutor {
  constructor(private readonly deps: CommandExecutorDeps) {}

  catchUp(): Promise<void> {
    return this.deps.catchUp();
  }

  /** The answers kept under idempotency keys (a stage of several commands checks them too). */
  get idempotency(): IdempotencyStore {
    return this.deps.idempotency;
  }

  get provinceCode(): string {
    return this.deps.provinceCode;
  }

  async run(request: CommandRequest): Promise<CommandOutcome> {
    return this.timed(request.command, async () => {
      const result = await this.decideAndAppend(request);
      if (result.replayed) markReplayed(result.answer);
      return { value: result, replayed: result.replayed };
    });
  }

  /**
   * Runs a command's work and reports its time and outcome (`appended`, `replayed` or the
   * refusal's code), as `run` does: for use cases that append on their own path (a dose in one
   * transaction) and still belong in the same histogram.
   */
  async timed<T>(command: string, work: () => Promise<{ value: T; replayed: boolean }>): Promise<T> {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const { value, replayed } = await work();
      outcome = replayed ? 'replayed' : 'appended';
      return value;
    } catch (error) {
      outcome = (error as { code?: string }).code ?? 'error';
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.deps.observe?.(command, outcome.length > 40 ? 'error' : outcome, seconds);
    }
  }

  private async decideAndAppend(request: CommandRequest): Promise<CommandOutcome> {
    const { store, idempotency } = this.deps;
    const hash = requestHashOf(request);
    const key = request.idempotencyKey;
    if (key) {
      const kept = keptAnswerFor(await idempotency.find(request.actor.orgCode, key), hash);
      if (kept) return { answer: kept, replayed: true };
    }

    await this.deps.catchUp();
    for (let attempt = 1; ; attempt++) {
      const history = await store.readStream(request.streamId);
      const current = history.length === 0 ? null : history[history.length - 1]!.revision;
      if (request.ifMatch !== undefined && request.ifMatch !== current)
        throw new ApplicationError(
          'REVISION_MISMATCH',
          `stream ${request.streamId} is at revision ${current ?? 'none'}, not ${request.ifMatch}`,
        );
      const decided = await request.decide(history);
      const events = stampEvents(request, decided, this.deps.provinceCode);
      if (events.length === 0) {
        // Nothing new to record (an idempotent command that was already done).
        const last = history[history.length - 1];
        const answer: CommandAnswer = {
          id: request.resourceId,
          eventIds: [],
          streamId: request.streamId,
          revision: last?.revision ?? -1,
          position: (last?.position ?? 0n).toString(),
        };
        return { answer, replayed: true };
      }
      try {
        const appended = await store.append(request.streamId, events, { expected: current === null ? 'no-stream' : current });
        const answer: CommandAnswer = {
          id: request.resourceId,
          eventIds: appended.eventIds,
          streamId: request.streamId,
          revision: appended.revision,
          position: appended.position.toString(),
        };
        if (key) await idempotency.save(request.actor.orgCode, key, { requestHash: hash, answer });
        return { answer, replayed: appended.replayed };
      } catch (error) {
        if ((error as { code?: string }).code === 'EVENT_ID_CONFLICT') {
          // The key's event ids were taken by a request that committed meanwhile (the same key
          // sent twice at once): its kept answer, if it was this very request; else the key is reused.
          const kept = key ? keptAnswerFor(await idempotency.find(request.actor.orgCode, key), hash) : null;
          if (kept) return { answer: kept, replayed: true };
          throw keyReused();
        }
        if (error instanceof StreamConflictError && request.ifMatch === undefined && attempt < MAX_ATTEMPTS) continue;
        if (error instanceof StreamConflictError && request.ifMatch !== undefined)
          throw new ApplicationError('REVISION_MISMATCH', `stream ${request.streamId} changed while the command ran`);
        if (error instanceof StreamConflictError)
          throw new ApplicationError('STREAM_CONFLICT', `stream ${request.streamId} kept changing; try again`);
        throw error;
      }
    }
  }
}
