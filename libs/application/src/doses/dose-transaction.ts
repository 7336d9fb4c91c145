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
  type AppendResult,
  type EventStore,
  type EventStoreCapabilities,
  GuardViolationError,
  type GuardFacts,
  type NewEvent,
  type RecordedEvent,
  type StoreTransaction,
  StreamConflictError,
} from '@vaxledger/event-store';
import type { PersonDetails, PersonKey, PersonVault } from '@vaxledger/privacy';
import type { PersonGrants } from '../kernel/ports';
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
    /** Set-based forms for groups of keyed doses (file imports key every row); absent: one statement per key. */
    findMany?(orgCode: string, keys: readonly string[]): Promise<Map<string, RememberedAnswer>>;
    saveManyIn?(db: SqlQuery, answers: readonly { orgCode: string; key: string; remembered: RememberedAnswer }[]): Promise<void>;
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

const requestHashOf = (input: DoseInput): string => hashOf({ command: 'RecordDose', streamId: input.streamId, body: input.fingerprint });

/** Keyed doses answered before: their first answer (or the refusal of a reused key); null for the others. */
const rememberedAnswers = async (
  deps: DoseTransactionDeps,
  inputs: readonly DoseInput[],
  hashes: readonly string[],
): Promise<(PromiseSettledResult<CommandAnswer> | null)[]> => {
  const out: (PromiseSettledResult<CommandAnswer> | null)[] = inputs.map(() => null);
  const { findMany } = deps.idempotency;
  // One read per organisation where the store can (a file's rows are all one clinic's).
  const known = new Map<string, Map<string, RememberedAnswer>>();
  if (findMany) {
    const byOrg = new Map<string, string[]>();
    for (const input of inputs)
      if (input.meta.idempotencyKey) byOrg.set(input.actor.orgCode, [...(byOrg.get(input.actor.orgCode) ?? []), input.meta.idempotencyKey]);
    for (const [orgCode, keys] of byOrg) known.set(orgCode, await findMany.call(deps.idempotency, orgCode, keys));
  }
  for (const [i, input] of inputs.entries()) {
    const key = input.meta.idempotencyKey;
    if (!key) continue;
    const seen = findMany ? (known.get(input.actor.orgCode)?.get(key) ?? null) : await deps.idempotency.find(input.actor.orgCode, key);
    if (seen && seen.requestHash !== hashes[i]) out[i] = { status: 'rejected', reason: keyReused() };
    else if (seen) {
      markReplayed(seen.answer);
      out[i] = { status: 'fulfilled', value: seen.answer };
    }
  }
  return out;
};

const stockKey = (input: DoseInput): string => `${input.site}\u0000${input.data.batchId}`;

const isConflict = (error: unknown): boolean =>
  error instanceof StreamConflictError || (error as { code?: string }).code === 'STREAM_CONFLICT';

/**
 * A group of doses of different persons (and different idempotency keys) in one transaction
 * with set-based statements (group commit for bulk loads): one read each of the persons'
 * streams, the guard rows, the vault keys and the valid doses; every dose decided in memory
 * against those rows as the earlier doses of the group left them; one statement appending all
 * decided doses, each with its guards in a subtransaction of its own (a refused guard refuses
 * that dose alone); one statement each for the vault and the grants. A dose refused by its
 * rules or guards gets its own refusal; a dose whose stream moved meanwhile is re-run alone.
 * If anything else fails, nothing of the group was committed and it runs dose by dose.
 */
export const recordDoseGroup = async (
  deps: DoseTransactionDeps,
  inputs: readonly DoseInput[],
): Promise<PromiseSettledResult<CommandAnswer>[]> => {
  const bulk = deps.bulk;
  if (!bulk) return recordDosesInOneTransaction(deps, inputs);
  const streams = new Set(inputs.map((i) => i.streamId));
  const keys = new Set(inputs.flatMap((i) => (i.meta.idempotencyKey ? [`${i.actor.orgCode}\u0000${i.meta.idempotencyKey}`] : [])));
  if (streams.size !== inputs.length || keys.size !== inputs.filter((i) => i.meta.idempotencyKey).length)
    throw new Error('recordDoseGroup: one dose per person and per idempotency key in a group');
  const hashes = inputs.map(requestHashOf);
  const out = await rememberedAnswers(deps, inputs, hashes);
  const todo = inputs.flatMap((input, i) => (out[i] ? [] : [{ i, input }]));
  const again: number[] = [];
  let settled: { i: number; result: PromiseSettledResult<CommandAnswer>; replayed: boolean }[];
  try {
    settled = await deps.store.transaction(async (tx) => {
      const done: { i: number; result: PromiseSettledResult<CommandAnswer>; replayed: boolean }[] = [];
      const personIds = todo.map((t) => t.input.personId);
      // One connection: the reads go one after another (pg queues them anyway).
      const histories = await tx.readStreams(todo.map((t) => t.input.streamId));
      const guards = await tx.guardFactsMany(
        todo.map(({ input }) => ({ site: input.site, batchId: input.data.batchId, traceCode: input.data.traceCode ?? null })),
      );
      const personKeys = await bulk.vault.keysIn(tx, personIds);
      const valid = bulk.validDosesManyIn ? await bulk.validDosesManyIn(tx, personIds) : null;
      // Guard rows as the doses decided so far leave them: a later dose of the group sees the earlier takes.
      const stock = new Map<string, GuardFacts['stock']>();
      const units = new Map<string, GuardFacts['unit']>();
      todo.forEach(({ input }, k) => {
        const at = stockKey(input);
        if (!stock.has(at)) stock.set(at, guards[k]!.stock);
        const code = input.data.traceCode;
        if (code && !units.has(code)) units.set(code, guards[k]!.unit);
      });
      const decided: { i: number; input: DoseInput; dose: DecidedDose; personKey: PersonKey }[] = [];
      for (const { i, input } of todo) {
        const at = stockKey(input);
        const code = input.data.traceCode;
        const guard: GuardFacts = { stock: stock.get(at) ?? null, unit: code ? (units.get(code) ?? null) : null };
        const personKey = personKeys.get(input.personId)!;
        try {
          const dose = decideDose(
            input,
            histories.get(input.streamId) ?? [],
            guard,
            personKey.keyId,
            valid?.get(input.personId) ?? input.otherDoses,
          );
          if (guard.stock) stock.set(at, { ...guard.stock, available: guard.stock.available - 1 });
          if (code && guard.unit) units.set(code, { ...guard.unit, drawn: guard.unit.drawn + 1 });
          decided.push({ i, input, dose, personKey });
        } catch (error) {
          done.push({ i, result: { status: 'rejected', reason: refusalOf(error, input) }, replayed: false });
        }
      }
      // Appended in the order of their stock rows, so that two groups racing for the same rows
      // take their locks in the same order (no deadlock); each person is in the group once.
      decided.sort((x, y) => stockKey(x.input).localeCompare(stockKey(y.input)) || x.i - y.i);
      const appended = await tx.appendEach(
        decided.map(({ input, dose }) => ({
          streamId: input.streamId,
          events: dose.events,
          options: {
            expected: dose.current === null ? ('no-stream' as const) : dose.current,
            enforceGuards: { dosesPerUnit: input.batch?.dosesPerUnit ?? 1 },
          },
        })),
      );
      const written = decided.flatMap((d, k) => {
        const result = appended[k]!;
        if (!(result instanceof Error)) return [{ ...d, result }];
        if (isConflict(result) && d.input.meta.ifMatch === undefined) again.push(d.i);
        else done.push({ i: d.i, result: { status: 'rejected', reason: refusalOf(result, d.input) }, replayed: false });
        return [];
      });
      await bulk.vault.writeDetailsManyIn(
        tx,
        written.map(({ input, personKey }) => ({ personKey, details: input.details })),
      );
      // The recording sites have the persons in front of them: they may read the records they just added to.
      const byTtl = new Map<number, { grantee: string; personId: string }[]>();
      for (const { input } of written)
        byTtl.set(input.grantTtlMs, [...(byTtl.get(input.grantTtlMs) ?? []), { grantee: input.site, personId: input.personId }]);
      for (const [ttl, grants] of byTtl) await bulk.grants.grantPersons(grants, ttl, tx);
      const remember: { orgCode: string; key: string; remembered: RememberedAnswer }[] = [];
      for (const { i, input, result } of written) {
        const answer = answerOf(input, result);
        const key = input.meta.idempotencyKey;
        if (key) remember.push({ orgCode: input.actor.orgCode, key, remembered: { requestHash: hashes[i]!, answer } });
        done.push({ i, result: { status: 'fulfilled', value: answer }, replayed: result.replayed });
      }
      // The keyed answers commit with their doses: one statement where the store can.
      if (deps.idempotency.saveManyIn) await deps.idempotency.saveManyIn(tx, remember);
      else for (const r of remember) await deps.idempotency.saveIn(tx, r.orgCode, r.key, r.remembered);
      return done;
    });
  } catch (error) {
    // Beyond any one dose (a vault key created by a concurrent first contact, a lost
    // connection): the group rolled back as a whole; each dose runs again on its own.
    bulk.onGroupRetried?.(todo.length, error);
    settled = [];
    again.length = 0;
    again.push(...todo.map((t) => t.i));
  }
  for (const { i, result, replayed } of settled) {
    if (replayed && result.status === 'fulfilled') markReplayed(result.value);
    out[i] = result;
  }
  for (const i of again.sort((a, b) => a - b)) {
    try {
      out[i] = { status: 'fulfilled', value: await recordDoseInOneTransaction(deps, inputs[i]!) };
    } catch (reason) {
      out[i] = { status: 'rejected', reason };
    }
  }
  return out.map((r) => r!);
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
  const hashes = inputs.map(requestHashOf);
  const out = await rememberedAnswers(deps, inputs, hashes);
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

/** What one dose decided: its events, and the stream revision they were decided against. */
interface DecidedDose {
  readonly events: NewEvent[];
  readonly current: number | null;
}

/**
 * The dose's decision from what its transaction read: the person's stream, the guard rows, the
 * vault key and the person's valid doses elsewhere. Throws the refusal.
 */
const decideDose = (
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
  return { events, current };
};

const answerOf = (input: DoseInput, appended: AppendResult): CommandAnswer => ({
  id: input.personId,
  eventIds: appended.eventIds,
  streamId: input.streamId,
  revision: appended.revision,
  position: appended.position.toString(),
});

const decideAndWrite = async (
  deps: DoseTransactionDeps,
  input: DoseInput,
  tx: StoreTransaction,
  requestHash: string,
): Promise<{ answer: CommandAnswer; replayed: boolean }> => {
  const { meta, streamId, site, batch, actor } = input;
  // The four reads do not depend on each other: on a pipelined connection they share one round
  // trip (with the transaction's BEGIN).
  const [history, guard, personKey, otherDoses] = await inStep(tx, [
    () => tx.readStream(streamId),
    () => tx.guardFacts(site, input.data.batchId, input.data.traceCode ?? null),
    () => deps.vault.keyIn(tx, input.personId),
    () => (deps.validDosesIn ? deps.validDosesIn(tx, input.personId) : Promise.resolve(input.otherDoses)),
  ] as const);
  const { events, current } = decideDose(input, history, guard, personKey.keyId, otherDoses);
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
  const answer = answerOf(input, appended);
  const key = meta.idempotencyKey;
  if (key) await deps.idempotency.saveIn(tx, actor.orgCode, key, { requestHash, answer });
  return { answer, replayed: appended.replayed };
};

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
  if (key) {
    const seen = await deps.idempotency.find(actor.orgCode, key);
    if (seen && seen.requestHash !== requestHash) throw keyReused();
    if (seen) {
      markReplayed(seen.answer);
      return seen.answer;
    }
  }
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
