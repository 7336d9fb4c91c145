import { createHash, randomUUID } from 'node:crypto';
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
  type EventStoreCapabilities,
  GuardViolationError,
  type NewEvent,
  type StoreTransaction,
  StreamConflictError,
} from '@vaxledger/event-store';
import type { PersonDetails, PersonVault } from '@vaxledger/privacy';
import { type CommandAnswer, markReplayed } from '../kernel/command-answer';
import type { CommandMeta } from '../kernel/command-meta';
import { ApplicationError } from '../kernel/errors';
import { foldHistory } from '../kernel/fold';
import type { IdempotencyStore, RememberedAnswer, SqlQuery } from '../kernel/idempotency';
import { uuidV5 } from '../kernel/uuid-v5';

/**
 * Where the log, the vault, the grants and the idempotency table share one PostgreSQL
 * database and the store keeps guard rows (ADR 0011): the whole dose is one transaction.
 */
export interface DoseTransactionDeps {
  readonly store: {
    readonly capabilities: EventStoreCapabilities;
    transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  };
  readonly vault: Pick<PersonVault, 'keyIn' | 'writeDetailsIn'>;
  readonly grants: { grantPerson(grantee: string, personId: string, ttlMs: number, db: SqlQuery): Promise<void> };
  readonly idempotency: IdempotencyStore & {
    saveIn(db: SqlQuery, orgCode: string, key: string, remembered: RememberedAnswer): Promise<void>;
  };
  /** The person's valid doses (read model), read in the transaction; absent: `DoseInput.otherDoses`. */
  readonly validDosesIn?: (db: SqlQuery, personId: string) => Promise<readonly DoseFacts[]>;
}

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

const MAX_ATTEMPTS = 3;

const hashOf = (body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');

const keyReused = (): ApplicationError =>
  new ApplicationError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');

/**
 * RecordDose in one transaction: read the person's stream, the guard rows (stock of the batch
 * at the site, the coded unit, the batch's hold) and the person's vault key; decide; write the
 * vault details (and the key when new), append the dose with its guards enforced (a
 * conditional take of stock, a draw of the unit; the rows a recall updates too), grant the
 * site the record, keep the idempotent answer; commit. No projector wait: every fact that a
 * concurrent command could change is read and re-checked in the transaction itself.
 */
export const recordDoseInOneTransaction = async (deps: DoseTransactionDeps, input: DoseInput): Promise<CommandAnswer> => {
  const { actor, meta, streamId } = input;
  const key = meta.idempotencyKey;
  const requestHash = hashOf({ command: 'RecordDose', streamId, body: input.fingerprint });
  if (key) {
    const seen = await deps.idempotency.find(actor.orgCode, key);
    if (seen && seen.requestHash !== requestHash) throw keyReused();
    if (seen) {
      markReplayed(seen.answer);
      return seen.answer;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const { answer, replayed } = await deps.store.transaction((tx) => decideAndWrite(deps, input, tx, requestHash));
      if (replayed) markReplayed(answer);
      return answer;
    } catch (error) {
      const conflict = error instanceof StreamConflictError || (error as { code?: string }).code === 'STREAM_CONFLICT';
      if (conflict && meta.ifMatch === undefined && attempt < MAX_ATTEMPTS) continue;
      throw refusalOf(error, input);
    }
  }
};

/** What a failed dose answers: the domain's refusal for a guard, the kernel's for conflicts and keys. */
const refusalOf = (error: unknown, input: DoseInput): unknown => {
  if (error instanceof GuardViolationError)
    return new RuleViolation(
      error.rule as RuleCode,
      `${error.rule} (${error.subject})`,
      error.rule.startsWith('TRACE') ? 'traceCode' : 'batchId',
    );
  if ((error as { code?: string }).code === 'EVENT_ID_CONFLICT') return keyReused();
  const conflict = error instanceof StreamConflictError || (error as { code?: string }).code === 'STREAM_CONFLICT';
  if (conflict && input.meta.ifMatch !== undefined)
    return new ApplicationError('REVISION_MISMATCH', `stream ${input.streamId} changed while the command ran`);
  if (conflict) return new ApplicationError('STREAM_CONFLICT', `stream ${input.streamId} kept changing; try again`);
  return error;
};

/**
 * Doses in one transaction and one commit (group commit for bulk loads), each under its own
 * savepoint: a refused or conflicting dose is rolled back alone and answered as refused (a
 * conflict is not retried here: the caller sends it again). Keyed doses seen before answer
 * their first answer.
 */
export const recordDosesInOneTransaction = async (
  deps: DoseTransactionDeps,
  inputs: readonly DoseInput[],
): Promise<PromiseSettledResult<CommandAnswer>[]> => {
  const out: (PromiseSettledResult<CommandAnswer> | null)[] = inputs.map(() => null);
  const hashes = inputs.map((input) => hashOf({ command: 'RecordDose', streamId: input.streamId, body: input.fingerprint }));
  for (const [i, input] of inputs.entries()) {
    const key = input.meta.idempotencyKey;
    if (!key) continue;
    const seen = await deps.idempotency.find(input.actor.orgCode, key);
    if (seen && seen.requestHash !== hashes[i]) out[i] = { status: 'rejected', reason: keyReused() };
    else if (seen) {
      markReplayed(seen.answer);
      out[i] = { status: 'fulfilled', value: seen.answer };
    }
  }
  await deps.store.transaction(async (tx) => {
    for (const [i, input] of inputs.entries()) {
      if (out[i]) continue;
      await tx.query('SAVEPOINT dose');
      try {
        const { answer, replayed } = await decideAndWrite(deps, input, tx, hashes[i]!);
        await tx.query('RELEASE SAVEPOINT dose');
        if (replayed) markReplayed(answer);
        out[i] = { status: 'fulfilled', value: answer };
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT dose');
        out[i] = { status: 'rejected', reason: refusalOf(error, input) };
      }
    }
  });
  return out.map((r) => r!);
};

type Results<T extends readonly (() => Promise<unknown>)[]> = { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };

/**
 * Runs statements that do not depend on each other: all at once where the transaction's
 * connection pipelines them (one round trip), one after another in the given order elsewhere.
 * Either way it settles only after every one has, so none is still running when the
 * transaction commits or rolls back, and it rejects with the first failure in the given order.
 */
const inStep = async <T extends readonly (() => Promise<unknown>)[]>(tx: StoreTransaction, steps: T): Promise<Results<T>> => {
  if (!tx.pipelined) {
    const out: unknown[] = [];
    for (const step of steps) out.push(await step());
    return out as Results<T>;
  }
  const issue = (): Promise<unknown>[] => steps.map((step) => step());
  const settled = await Promise.allSettled(tx.together ? tx.together(issue) : issue());
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as Results<T>;
};

const decideAndWrite = async (
  deps: DoseTransactionDeps,
  input: DoseInput,
  tx: StoreTransaction,
  requestHash: string,
): Promise<{ answer: CommandAnswer; replayed: boolean }> => {
  const { actor, meta, streamId, site, batch } = input;
  // The four reads do not depend on each other: on a pipelined connection they share one round
  // trip (with the transaction's BEGIN).
  const [history, guard, personKey, otherDoses] = await inStep(tx, [
    () => tx.readStream(streamId),
    () => tx.guardFacts(site, input.data.batchId, input.data.traceCode ?? null),
    () => deps.vault.keyIn(tx, input.personId),
    () => (deps.validDosesIn ? deps.validDosesIn(tx, input.personId) : Promise.resolve(input.otherDoses)),
  ] as const);
  const own = new Set(history.map((e) => e.eventId));
  // The hold in the guard row is current to this transaction (a recall a moment ago included).
  const held = guard.stock?.hold ?? null;
  const facts = batch
    ? { ...batch, recalled: batch.recalled || held === 'recall', suspended: batch.suspended || held === 'suspension' }
    : null;
  const decided = personDecider.decide(
    {
      type: 'RecordDose',
      data: { ...input.data, keyId: personKey.keyId },
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
    eventId: key ? uuidV5(`${actor.orgCode}|${key}|${index}`) : randomUUID(),
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
  // The vault details, the append with its guards and the site's read grant: one round trip
  // on a pipelined connection. Whichever fails first is the answer; the transaction then rolls
  // back as a whole (a conflict or a refused guard comes back as the append's answer, after the
  // other two ran, and is rolled back with them), so a refused dose leaves nothing.
  const [, appended] = await inStep(tx, [
    () => deps.vault.writeDetailsIn(tx, personKey, input.details),
    () =>
      tx.append(streamId, events, {
        expected: current === null ? 'no-stream' : current,
        enforceGuards: { dosesPerUnit: batch?.dosesPerUnit ?? 1 },
      }),
    // The recording site has the person in front of it: it may read the record it just added to.
    () => deps.grants.grantPerson(site, input.personId, input.grantTtlMs, tx),
  ] as const);
  const answer: CommandAnswer = {
    id: input.personId,
    eventIds: appended.eventIds,
    streamId,
    revision: appended.revision,
    position: appended.position.toString(),
  };
  if (key) await deps.idempotency.saveIn(tx, actor.orgCode, key, { requestHash, answer });
  return { answer, replayed: appended.replayed };
};
