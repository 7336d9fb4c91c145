import type { GuardFacts } from '@vaxledger/event-store';
import type { PersonKey } from '@vaxledger/privacy';
import { type CommandAnswer, markReplayed } from '../kernel/command-answer';
import { idempotencyIdentity, type RememberedAnswer, type SqlQuery } from '../kernel/idempotency';
import {
  answerOf,
  type DecidedDose,
  decideDose,
  type DoseInput,
  isConflict,
  isKeyedTwin,
  keyReused,
  refusalOf,
  requestHashOf,
} from './dose-decision';
import { decideAndWrite, type DoseTransactionDeps, recordDoseInOneTransaction } from './dose-in-one-transaction';

/** The answers kept under one organisation's keys (only the keys that have one). */
type KeptLookup = (orgCode: string, keys: readonly string[]) => Promise<Map<string, RememberedAnswer>>;

/** A lookup from a one-key form: one statement per key. */
const oneByOne =
  (find: (orgCode: string, key: string) => Promise<RememberedAnswer | null>): KeptLookup =>
  async (orgCode, keys) => {
    const out = new Map<string, RememberedAnswer>();
    for (const key of keys) {
      const seen = await find(orgCode, key);
      if (seen) out.set(key, seen);
    }
    return out;
  };

/**
 * The keyed doses among `items` that were answered before, by index: their first answer marked
 * as a replay, or the refusal of a key kept for another request. One lookup per organisation
 * (a file's rows are all one clinic's).
 */
const keptAnswers = async (
  items: readonly { i: number; input: DoseInput }[],
  hashes: readonly string[],
  lookup: KeptLookup,
): Promise<Map<number, PromiseSettledResult<CommandAnswer>>> => {
  const out = new Map<number, PromiseSettledResult<CommandAnswer>>();
  const byOrg = new Map<string, string[]>();
  for (const { input } of items)
    if (input.meta.idempotencyKey) byOrg.set(input.actor.orgCode, [...(byOrg.get(input.actor.orgCode) ?? []), input.meta.idempotencyKey]);
  if (byOrg.size === 0) return out;
  const known = new Map<string, Map<string, RememberedAnswer>>();
  for (const [orgCode, keys] of byOrg) known.set(orgCode, await lookup(orgCode, keys));
  for (const { i, input } of items) {
    const seen = input.meta.idempotencyKey ? known.get(input.actor.orgCode)?.get(input.meta.idempotencyKey) : undefined;
    if (!seen) continue;
    if (seen.requestHash !== hashes[i]) out.set(i, { status: 'rejected', reason: keyReused() });
    else {
      markReplayed(seen.answer);
      out.set(i, { status: 'fulfilled', value: seen.answer });
    }
  }
  return out;
};

/** Keyed doses answered before, looked up on the pool before the group's transaction. */
const rememberedAnswers = async (
  deps: DoseTransactionDeps,
  inputs: readonly DoseInput[],
  hashes: readonly string[],
): Promise<(PromiseSettledResult<CommandAnswer> | null)[]> => {
  const { idempotency } = deps;
  const lookup: KeptLookup = idempotency.findMany
    ? (orgCode, keys) => idempotency.findMany!(orgCode, keys)
    : oneByOne((orgCode, key) => idempotency.find(orgCode, key));
  const kept = await keptAnswers(
    inputs.map((input, i) => ({ i, input })),
    hashes,
    lookup,
  );
  return inputs.map((_, i) => kept.get(i) ?? null);
};

/**
 * The same, in `tx`, read after the group's streams: a twin request (same key) whose dose those
 * streams already show has its kept answer seen too (both committed together). Without this the
 * dose would be decided against its twin's dose and refused as a repeat of itself.
 */
const keptAnswersIn = (
  deps: DoseTransactionDeps,
  tx: SqlQuery,
  todo: readonly { i: number; input: DoseInput }[],
  hashes: readonly string[],
): Promise<Map<number, PromiseSettledResult<CommandAnswer>>> => {
  const { idempotency } = deps;
  if (idempotency.findManyIn) return keptAnswers(todo, hashes, (orgCode, keys) => idempotency.findManyIn!(tx, orgCode, keys));
  if (idempotency.findIn)
    return keptAnswers(
      todo,
      hashes,
      oneByOne((orgCode, key) => idempotency.findIn!(tx, orgCode, key)),
    );
  return Promise.resolve(new Map());
};

const stockKey = (input: DoseInput): string => `${input.site}\u0000${input.data.batchId}`;

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
  const keys = new Set(inputs.flatMap((i) => (i.meta.idempotencyKey ? [idempotencyIdentity(i.actor.orgCode, i.meta.idempotencyKey)] : [])));
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
      // One connection: the reads go one after another (pg queues them anyway).
      const histories = await tx.readStreams(todo.map((t) => t.input.streamId));
      const late = await keptAnswersIn(deps, tx, todo, hashes);
      for (const [i, result] of late) done.push({ i, result, replayed: false });
      const pending = late.size === 0 ? todo : todo.filter((t) => !late.has(t.i));
      const personIds = pending.map((t) => t.input.personId);
      const guards = await tx.guardFactsMany(
        pending.map(({ input }) => ({ site: input.site, batchId: input.data.batchId, traceCode: input.data.traceCode ?? null })),
      );
      const personKeys = await bulk.vault.keysIn(tx, personIds);
      const valid = bulk.validDosesManyIn ? await bulk.validDosesManyIn(tx, personIds) : null;
      // Guard rows as the doses decided so far leave them: a later dose of the group sees the earlier takes.
      const stock = new Map<string, GuardFacts['stock']>();
      const units = new Map<string, GuardFacts['unit']>();
      pending.forEach(({ input }, k) => {
        const at = stockKey(input);
        if (!stock.has(at)) stock.set(at, guards[k]!.stock);
        const code = input.data.traceCode;
        if (code && !units.has(code)) units.set(code, guards[k]!.unit);
      });
      const decided: { i: number; input: DoseInput; dose: DecidedDose; personKey: PersonKey }[] = [];
      for (const { i, input } of pending) {
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
        // Re-run alone: a conflict is tried again, a keyed twin's kept answer is found.
        if ((isConflict(result) && d.input.meta.ifMatch === undefined) || isKeyedTwin(result, d.input)) again.push(d.i);
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
        const { answer, replayed } = await decideAndWrite(deps, input, tx, hashes[i]!, { endsTransaction: false });
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
