import type { DoseFacts } from '@vaxledger/domain';
import type { EventStoreCapabilities, StoreTransaction } from '@vaxledger/event-store';
import type { PersonVault } from '@vaxledger/privacy';
import { type CommandAnswer, markReplayed } from '../kernel/command-answer';
import type { IdempotencyStore, RememberedAnswer, SqlQuery } from '../kernel/idempotency';
import {
  answerOf,
  decideDose,
  type DoseInput,
  isConflict,
  keptAnswerFor,
  keptAnswerAfterFailure,
  MAX_ATTEMPTS,
  refusalOf,
  rememberedDoseAnswer,
  requestHashOf,
} from './dose-decision';

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
    /** Set-based forms for groups of keyed doses (file imports key every row); absent: one statement per key. */
    findMany?(orgCode: string, keys: readonly string[]): Promise<Map<string, RememberedAnswer>>;
    findManyIn?(db: SqlQuery, orgCode: string, keys: readonly string[]): Promise<Map<string, RememberedAnswer>>;
    saveManyIn?(db: SqlQuery, answers: readonly { orgCode: string; key: string; remembered: RememberedAnswer }[]): Promise<void>;
    /** True when `saveIn` is one statement started at once, so that it may leave with the COMMIT. */
    readonly savesInOneStatement?: boolean;
    /** `find` in the dose's own transaction, with its reads; absent: looked up before it. */
    findIn?(db: SqlQuery, orgCode: string, key: string): Promise<RememberedAnswer | null>;
  };
  /** The person's valid doses (read model), read in the transaction; absent: `DoseInput.otherDoses`. */
  readonly validDosesIn?: (db: SqlQuery, personId: string) => Promise<readonly DoseFacts[]>;
  /**
   * The set-based forms a group of doses uses (bulk loads: one read of each kind for the whole
   * group, one write of each kind). Absent: a group runs dose by dose under savepoints.
   */
  readonly bulk?: DoseBulkDeps | undefined;
}

export interface DoseBulkDeps {
  readonly vault: Pick<PersonVault, 'keysIn' | 'writeDetailsManyIn'>;
  readonly grants: {
    grantPersons(grants: readonly { grantee: string; personId: string }[], ttlMs: number, db: SqlQuery): Promise<void>;
  };
  /** The valid doses of many persons (read model), in the transaction; absent: `DoseInput.otherDoses`. */
  readonly validDosesManyIn?: (db: SqlQuery, personIds: readonly string[]) => Promise<Map<string, readonly DoseFacts[]>>;
  /**
   * Told when a whole group rolled back for a reason beyond any one dose and its doses are run
   * again one by one (slower, still correct): the operator should see that the bulk path fell back.
   */
  readonly onGroupRetried?: (doses: number, error: unknown) => void;
}

/**
 * RecordDose in one transaction: read the person's stream, the guard rows (stock of the batch
 * at the site, the coded unit, the batch's hold) and the person's vault key; decide; write the
 * vault details (and the key when new), append the dose with its guards enforced (a
 * conditional take of stock, a draw of the unit; the rows a recall updates too), grant the
 * site the record, keep the idempotent answer; commit. No projector wait: every fact that a
 * concurrent command could change is read and re-checked in the transaction itself.
 */
export const recordDoseInOneTransaction = async (deps: DoseTransactionDeps, input: DoseInput): Promise<CommandAnswer> => {
  const { meta } = input;
  const requestHash = requestHashOf(input);
  // Once the idempotency table is known, the key is looked up with the transaction's reads (one
  // round trip less); before that, on the pool first, which makes sure of the table.
  const keyInTransaction = deps.idempotency.findIn !== undefined && deps.idempotency.savesInOneStatement === true;
  const remembered = keyInTransaction ? null : await rememberedDoseAnswer(deps.idempotency, input, requestHash);
  if (remembered) return remembered;
  for (let attempt = 1; ; attempt++) {
    try {
      const { answer, replayed } = await deps.store.transaction((tx) =>
        decideAndWrite(deps, input, tx, requestHash, { endsTransaction: true, keyInTransaction }),
      );
      if (replayed) markReplayed(answer);
      return answer;
    } catch (error) {
      // A keyed dose that lost to its twin (the same key sent twice at once) answers as the twin.
      const kept = await keptAnswerAfterFailure(deps.idempotency, input, requestHash, error);
      if (kept) return kept;
      if (isConflict(error) && meta.ifMatch === undefined && attempt < MAX_ATTEMPTS) continue;
      throw refusalOf(error, input);
    }
  }
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

/**
 * One dose's reads, decision and writes in `tx`. `endsTransaction`: nothing follows in the
 * transaction, so the last writes leave with its COMMIT where the store can send them together
 * (StoreTransaction.commitWith): the writes, or for a keyed dose the kept answer, which needs
 * the append's position. A group of doses (savepoints) commits once, after all of them.
 */
export const decideAndWrite = async (
  deps: DoseTransactionDeps,
  input: DoseInput,
  tx: StoreTransaction,
  requestHash: string,
  { endsTransaction, keyInTransaction = false }: { endsTransaction: boolean; keyInTransaction?: boolean },
): Promise<{ answer: CommandAnswer; replayed: boolean }> => {
  const { meta, streamId, site, batch, actor } = input;
  const key = meta.idempotencyKey;
  // The reads do not depend on each other: on a pipelined connection they share one round trip
  // (with the transaction's BEGIN), the answer kept under the dose's key included when asked.
  const [history, guard, personKey, otherDoses, seen] = await inStep(tx, [
    () => tx.readStream(streamId),
    () => tx.guardFacts(site, input.data.batchId, input.data.traceCode ?? null),
    () => deps.vault.keyIn(tx, input.personId),
    () => (deps.validDosesIn ? deps.validDosesIn(tx, input.personId) : Promise.resolve(input.otherDoses)),
    () => (keyInTransaction && key && deps.idempotency.findIn ? deps.idempotency.findIn(tx, actor.orgCode, key) : Promise.resolve(null)),
  ] as const);
  const kept = keptAnswerFor(seen, requestHash);
  if (kept) return { answer: kept, replayed: true };
  const { events, current } = decideDose(input, history, guard, personKey.keyId, otherDoses);
  // The vault details, the append with its guards and the site's read grant: one round trip
  // on a pipelined connection. Whichever fails first is the answer; the transaction then rolls
  // back as a whole (a conflict or a refused guard comes back as the append's answer, after the
  // other two ran, and is rolled back with them), so a refused dose leaves nothing.
  // Each write is one statement started at once (what commitWith asks): a refusal fails its
  // statement, so a COMMIT already sent with them rolls back (see append_refused, details_stored).
  const writes = (): Promise<Results<typeof steps>> => inStep(tx, steps);
  const steps = [
    () => deps.vault.writeDetailsIn(tx, personKey, input.details),
    () =>
      tx.append(streamId, events, {
        expected: current === null ? 'no-stream' : current,
        enforceGuards: { dosesPerUnit: batch?.dosesPerUnit ?? 1 },
      }),
    // The recording site has the person in front of it: it may read the record it just added to.
    () => deps.grants.grantPerson(site, input.personId, input.grantTtlMs, tx),
  ] as const;
  const withCommit = endsTransaction && tx.commitWith !== undefined;
  const [, appended] = await (withCommit && !key ? tx.commitWith!(writes) : writes());
  const answer = answerOf(input, appended);
  if (key) {
    const save = (): Promise<void> => deps.idempotency.saveIn(tx, actor.orgCode, key, { requestHash, answer });
    await (withCommit && deps.idempotency.savesInOneStatement ? tx.commitWith!(save) : save());
  }
  return { answer, replayed: appended.replayed };
};
