import { randomUUID } from 'node:crypto';
import {
  type Actor,
  type BatchFacts,
  type DoseFacts,
  personDecider,
  type RecordDose,
  RuleViolation,
  type RuleCode,
} from '@vaxledger/domain';
import {
  type AppendResult,
  GuardViolationError,
  type GuardFacts,
  type NewEvent,
  type RecordedEvent,
  StreamConflictError,
} from '@vaxledger/event-store';
import type { PersonDetails } from '@vaxledger/privacy';
import { type CommandAnswer, markReplayed } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { ApplicationError } from '../kernel/errors';
import type { IdempotencyStore } from '../kernel/idempotency';
import { keptAnswerFor, keyReused, requestHashOf as commandRequestHashOf } from '../kernel/command-executor';
import { foldHistory } from '../kernel/fold';
import { keyedEventId } from '../kernel/uuid-v5';

// What every guarded dose path shares (one transaction, a group of doses, a guarded append on
// KurrentDB): the dose as decided before its writes, the decision itself from what was read,
// the request hash kept beside a keyed answer, and the refusal a failed dose answers.

/** Everything the dose decided outside the transaction: who, what, the facts that rarely change. */
export interface DoseInput {
  readonly personId: string;
  readonly streamId: string;
  readonly site: string;
  readonly actor: Actor;
  readonly meta: CommandMeta;
  readonly now: string;
  readonly provinceCode: string;
  readonly data: Omit<RecordDose['data'], 'keyId'>;
  readonly batch: BatchFacts | null;
  /** The person's valid doses in other streams (read model: they arrive by sync anyway). */
  readonly otherDoses: readonly DoseFacts[];
  readonly details: PersonDetails;
  /** Hashed command, to tell a retry from a reused idempotency key. */
  readonly fingerprint: unknown;
  readonly grantTtlMs: number;
}

/** Attempts of a dose whose stream moved while it ran (no If-Match): the last conflict is the answer. */
export const MAX_ATTEMPTS = 3;

export { keptAnswerFor, keyReused };

/** The kernel's request hash of the dose as a command, so a key reused across paths is told apart the same way. */
export const requestHashOf = (input: DoseInput): string =>
  commandRequestHashOf({ command: 'RecordDose', streamId: input.streamId, body: input.fingerprint });

/**
 * The answer a keyed dose already got, marked as a replay, when the same request comes again
 * under its organisation's key; null when the dose has no key or the key is new. A key that
 * answered a different request is refused with the kernel's `keyReused()`.
 */
export const rememberedDoseAnswer = async (
  idempotency: Pick<IdempotencyStore, 'find'>,
  input: DoseInput,
  requestHash: string,
): Promise<CommandAnswer | null> => {
  const key = input.meta.idempotencyKey;
  if (!key) return null;
  const kept = keptAnswerFor(await idempotency.find(input.actor.orgCode, key), requestHash);
  if (kept) markReplayed(kept);
  return kept;
};

/**
 * The dose's keyed event ids were taken by a transaction that committed while this one ran: the
 * same key sent twice at once (a client retrying a request still in flight). The kept answer
 * then says whether it was the very same request (answered as its replay) or another one.
 */
export const isKeyedTwin = (error: unknown, input: DoseInput): boolean =>
  input.meta.idempotencyKey !== undefined && (error as { code?: string }).code === 'EVENT_ID_CONFLICT';

export const isConflict = (error: unknown): boolean =>
  error instanceof StreamConflictError || (error as { code?: string }).code === 'STREAM_CONFLICT';

/**
 * After a keyed dose failed: the answer its twin got, when the failure may be losing to the
 * same key sent twice at once (its twin committed after this dose looked for the key). A plain
 * stream conflict is retried instead; null when there is nothing kept.
 */
export const keptAnswerAfterFailure = async (
  idempotency: Pick<IdempotencyStore, 'find'>,
  input: DoseInput,
  requestHash: string,
  error: unknown,
): Promise<CommandAnswer | null> =>
  input.meta.idempotencyKey !== undefined && (isKeyedTwin(error, input) || !isConflict(error))
    ? rememberedDoseAnswer(idempotency, input, requestHash)
    : null;

/** What a failed dose answers: the domain's refusal for a guard, the kernel's for conflicts and keys. */
export const refusalOf = (error: unknown, input: DoseInput): unknown => {
  if (error instanceof GuardViolationError)
    return new RuleViolation(
      error.rule as RuleCode,
      `${error.rule} (${error.subject})`,
      error.rule.startsWith('TRACE') ? 'traceCode' : 'batchId',
    );
  if ((error as { code?: string }).code === 'EVENT_ID_CONFLICT') return keyReused();
  const conflict = isConflict(error);
  if (conflict && input.meta.ifMatch !== undefined)
    return new ApplicationError('REVISION_MISMATCH', `stream ${input.streamId} changed while the command ran`);
  if (conflict) return new ApplicationError('STREAM_CONFLICT', `stream ${input.streamId} kept changing; try again`);
  return error;
};

/** What one dose decided: its events, and the stream revision they were decided against. */
export interface DecidedDose {
  readonly events: NewEvent[];
  readonly current: number | null;
}

/**
 * The dose's decision from what its transaction read: the person's stream, the guard rows, the
 * vault key and the person's valid doses elsewhere. Throws the refusal.
 */
export const decideDose = (
  input: DoseInput,
  history: readonly RecordedEvent[],
  guard: GuardFacts,
  keyId: string,
  otherDoses: readonly DoseFacts[],
): DecidedDose => {
  const { actor, meta, streamId, site, batch } = input;
  const own = new Set(history.map((e) => e.eventId));
  // The hold in the guard row is current to this transaction (a recall a moment ago included).
  const held = guard.stock?.hold ?? null;
  const facts = batch
    ? { ...batch, recalled: batch.recalled || held === 'recall', suspended: batch.suspended || held === 'suspension' }
    : null;
  const decided = personDecider.decide(
    {
      type: 'RecordDose',
      data: { ...input.data, keyId },
      context: {
        now: input.now,
        actor: { ...actor, siteCode: site },
        batch: facts,
        availableAtSite: guard.stock?.available ?? 0,
        traceCode: guard.unit
          ? {
              batchId: guard.unit.batchId,
              holderSite: guard.unit.state === 'in_stock' ? guard.unit.holder : null,
              dosesDrawn: guard.unit.drawn,
            }
          : null,
        otherDoses: otherDoses.filter((d) => !own.has(d.eventId)),
      },
    },
    foldHistory(personDecider, history),
  );
  const key = meta.idempotencyKey;
  const events: NewEvent[] = decided.map((event, index) => ({
    eventId: key ? keyedEventId(actor.orgCode, key, index) : randomUUID(),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: {
      correlationId: meta.correlationId,
      actor: {
        orgCode: actor.orgCode,
        role: actor.role,
        provinceCode: actor.provinceCode,
        ...(actor.siteCode ? { siteCode: actor.siteCode } : {}),
      },
      originProvince: input.provinceCode,
    },
  }));
  const current = history.length === 0 ? null : history[history.length - 1]!.revision;
  if (meta.ifMatch !== undefined && meta.ifMatch !== current)
    throw new ApplicationError('REVISION_MISMATCH', `stream ${streamId} is at revision ${current ?? 'none'}, not ${meta.ifMatch}`);
  return { events, current };
};

export const answerOf = (input: DoseInput, appended: AppendResult): CommandAnswer => ({
  id: input.personId,
  eventIds: appended.eventIds,
  streamId: input.streamId,
  revision: appended.revision,
  position: appended.position.toString(),
});
