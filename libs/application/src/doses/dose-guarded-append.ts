import { RuleViolation } from '@vaxledger/domain';
import { type EventStore, GuardViolationError, type GuardFacts } from '@vaxledger/event-store';
import type { PersonVault } from '@vaxledger/privacy';
import { type CommandAnswer, markReplayed } from '../kernel/command-answer';
import type { IdempotencyStore } from '../kernel/idempotency';
import type { PersonGrants } from '../kernel/ports';
import {
  answerOf,
  decideDose,
  type DoseInput,
  isConflict,
  keptAnswerAfterFailure,
  MAX_ATTEMPTS,
  refusalOf,
  rememberedDoseAnswer,
  requestHashOf,
} from './dose-decision';

/**
 * Where the log is in KurrentDB and the store keeps guard rows in PostgreSQL (ADR 0029): the
 * store reserves the dose's take of stock and draw of its unit in PostgreSQL, keyed by event
 * id, before it appends to KurrentDB, and gives them back if the append provably failed.
 */
export interface GuardedAppendDoseDeps {
  readonly store: EventStore & {
    guardFacts(site: string, batchId: string, traceCode: string | null): Promise<GuardFacts>;
    /** Waits until the guard rows have applied every event in the log (false: gave up waiting). */
    guardsCatchUp(timeoutMs?: number): Promise<boolean>;
  };
  readonly vault: Pick<PersonVault, 'ensureKey' | 'storeDetails'>;
  readonly grants: PersonGrants;
  readonly idempotency: IdempotencyStore;
}

/**
 * RecordDose on a KurrentDB log with guard rows: no site lock and no projector wait. Read the
 * person's stream (KurrentDB), the guard rows and the person's key; decide; store the details;
 * append with the guards enforced (the store reserves, then appends at the revision read); grant
 * the site the record; keep the idempotent answer. Stock given back, units moved and recalls
 * lifted reach the guard rows when the store's log reader sees their events, a moment after
 * their append: a refusal is therefore decided again once, after the rows have caught up with
 * the log, so a dose right after a receipt is not refused for stock still in flight.
 */
export const recordDoseWithGuardedAppend = async (deps: GuardedAppendDoseDeps, input: DoseInput): Promise<CommandAnswer> => {
  const { actor, meta, streamId, site, batch } = input;
  const key = meta.idempotencyKey;
  const requestHash = requestHashOf(input);
  const remembered = await rememberedDoseAnswer(deps.idempotency, input, requestHash);
  if (remembered) return remembered;
  let caughtUp = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const [history, guard, keyId] = await Promise.all([
        deps.store.readStream(streamId),
        deps.store.guardFacts(site, input.data.batchId, input.data.traceCode ?? null),
        deps.vault.ensureKey(input.personId),
      ]);
      const { events, current } = decideDose(input, history, guard, keyId, input.otherDoses);
      // Details before the dose, as on the other paths: a crash in between leaves details
      // without a dose (used when the clinic retries), never a dose whose details were lost.
      await deps.vault.storeDetails(input.personId, input.details);
      const appended = await deps.store.append(streamId, events, {
        expected: current === null ? 'no-stream' : current,
        enforceGuards: { dosesPerUnit: batch?.dosesPerUnit ?? 1 },
      });
      // The recording site has the person in front of it: it may read the record it just added to.
      await deps.grants.grantPerson(site, input.personId, input.grantTtlMs);
      const answer = answerOf(input, appended);
      if (key) await deps.idempotency.save(actor.orgCode, key, { requestHash, answer });
      if (appended.replayed) markReplayed(answer);
      return answer;
    } catch (error) {
      // A keyed dose that lost to its twin (the same key sent twice at once) answers as the twin.
      const kept = await keptAnswerAfterFailure(deps.idempotency, input, requestHash, error);
      if (kept) return kept;
      if (isConflict(error) && meta.ifMatch === undefined && attempt < MAX_ATTEMPTS) continue;
      const refused = error instanceof RuleViolation || error instanceof GuardViolationError;
      if (refused && !caughtUp) {
        caughtUp = true;
        if (await deps.store.guardsCatchUp()) continue;
      }
      throw refusalOf(error, input);
    }
  }
};
