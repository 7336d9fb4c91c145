import { type Actor, type BatchFacts, type IdType, type LocalDate, personDecider, personStream, RuleViolation } from '@vaxledger/domain';
import type { PersonVault } from '@vaxledger/privacy';
import type { ProductRow, ReadModels } from '@vaxledger/projections';
import { type CommandAnswer, isReplayedAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { batchFacts } from '../kernel/facts';
import { foldHistory } from '../kernel/fold';
import { type Clock, type KeyedSerialiser, type PersonGrants, siteOf, systemClock } from '../kernel/ports';
import { pseudonymFor } from '../persons/pseudonym';
import type { DoseInput } from './dose-decision';
import { recordDoseGroup } from './dose-group';
import { firstDistinctGroup } from './distinct-group';
import { LiveDoseGroups, type LiveDoseGroupOptions } from './live-dose-groups';
import { type GuardedAppendDoseDeps, recordDoseWithGuardedAppend } from './dose-guarded-append';
import { type DoseTransactionDeps, recordDoseInOneTransaction } from './dose-in-one-transaction';

export interface RecordDoseCommand {
  readonly person: {
    readonly idType: IdType;
    readonly idNumber: string;
    readonly issuingState?: string | undefined;
    readonly name: string;
    readonly birthDate: string;
    readonly sex: 'M' | 'F' | 'U';
  };
  readonly batchId: string;
  /** Required for serialised products. */
  readonly traceCode?: string | undefined;
  readonly doseNumber: number;
  readonly administeredAt: string;
  readonly route: 'IM' | 'SC' | 'ID' | 'PO' | 'IN';
  readonly bodySite?: string | undefined;
  readonly vaccinatorRef: string;
  readonly override?: { readonly code: string; readonly reason: string } | undefined;
}

/** The read models the dose rules check against. */
export type RecordDoseReads = Pick<ReadModels, 'batch' | 'product' | 'stockAt' | 'traceCode' | 'doses'>;

export interface RecordDoseDeps {
  readonly executor: CommandExecutor;
  readonly reads: RecordDoseReads;
  readonly vault: Pick<PersonVault, 'ensureKey' | 'storeDetails'>;
  readonly grants: PersonGrants;
  /** Doses drawn at one site run one after another (ADR 0004). */
  readonly siteLocks: KeyedSerialiser;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  /** How long the recording site may read the person's record afterwards. */
  readonly personGrantTtlMs: number;
  readonly clock?: Clock;
  /**
   * Present where the store keeps guard rows and shares the node's PostgreSQL database: the
   * dose is then one transaction with no lock and no projector wait (ADR 0011). Absent
   * (KurrentDB, memory): the per-site lock and the read-model check of ADR 0004.
   */
  readonly oneTransaction?: DoseTransactionDeps | undefined;
  /**
   * Present where the log is in KurrentDB and the store keeps guard rows in PostgreSQL: the
   * store reserves the dose's stock and unit keyed by event id, then appends (ADR 0029); no
   * site lock and no projector wait either.
   */
  readonly guardedAppend?: GuardedAppendDoseDeps | undefined;
  /**
   * With `oneTransaction` and its bulk forms: doses that arrive while every slot is busy are
   * written together (group commit, LiveDoseGroups). Absent: each dose is its own transaction.
   */
  readonly liveGroups?: LiveDoseGroupOptions | undefined;
}

/**
 * Doses per group of the bulk path: each takes a subtransaction id, and a PostgreSQL backend
 * keeps 64 in its cache before its snapshot overflows (ADR 0026).
 */
export const DOSE_GROUP_SIZE = 64;

/** How long batch and product rows are reused: their changes that matter are re-checked in the guards. */
const BATCH_FACTS_TTL_MS = 1000;

/** The unit's trace code without the spaces and dashes people type; refused unless 20 digits. */
const traceCodeOf = (command: RecordDoseCommand): string | undefined => {
  const code = command.traceCode?.replace(/[\s-]/g, '');
  if (code !== undefined && !/^\d{20}$/.test(code))
    throw new RuleViolation('INVALID_TRACE_CODE', 'traceCode is not a 20-digit trace code', 'traceCode');
  return code;
};

/** The DoseAdministered facts of a command, under the person's pseudonym (both dose paths). */
const doseData = (command: RecordDoseCommand, personId: string, traceCode: string | undefined) => ({
  personId,
  administeredAt: command.administeredAt,
  birthDate: command.person.birthDate as LocalDate,
  batchId: command.batchId,
  traceCode: traceCode ?? null,
  doseNumber: command.doseNumber,
  vaccinatorRef: command.vaccinatorRef,
  route: command.route,
  ...(command.bodySite ? { bodySite: command.bodySite } : {}),
  ...(command.override ? { override: { ...command.override } } : {}),
});

/**
 * Splits doses into groups of at most `size` in which no person (stream) and no idempotency
 * key appears twice; a dose whose person or key is taken waits for a later group, and so do
 * that person's (key's) later doses, so each keeps its order.
 */
const distinctGroups = <T extends { readonly input: DoseInput }>(items: readonly T[], size: number): T[][] => {
  const groups: T[][] = [];
  for (let rest = items; rest.length > 0;) {
    const next = firstDistinctGroup(rest, size);
    groups.push(next.group);
    rest = next.rest;
  }
  return groups;
};

/**
 * RecordDose: a dose given at the actor's site (DoseAdministered). The answer's id is the
 * person's pseudonym; the identity document never goes further than this handler.
 */
export class RecordDoseHandler {
  private readonly batchCache = new Map<string, { facts: BatchFacts; until: number }>();
  /** Products never change once registered (ProductRegistered is their only event): kept. */
  private readonly productCache = new Map<string, ProductRow>();

  private readonly live: LiveDoseGroups | null;

  constructor(private readonly deps: RecordDoseDeps) {
    this.live = deps.oneTransaction?.bulk && deps.liveGroups ? new LiveDoseGroups(deps.oneTransaction, deps.liveGroups) : null;
  }

  /**
   * A batch's facts from the read models, kept a second: release, product, expiry do not change
   * under a dose, and a recall or suspension is re-checked in the guard rows. A batch the read
   * models do not know yet (released a moment ago) is read again after a catch-up.
   */
  private async batchFacts(batchId: string): Promise<BatchFacts | null> {
    const cached = this.batchCache.get(batchId);
    if (cached && cached.until > Date.now()) return cached.facts;
    const read = async (): Promise<BatchFacts | null> => {
      const batch = await this.deps.reads.batch(batchId);
      return batch ? batchFacts(batch, await this.product(batch.productCode)) : null;
    };
    let facts = await read();
    if (!facts) {
      await this.deps.executor.catchUp();
      facts = await read();
    }
    if (facts && facts.released) {
      if (this.batchCache.size > 10_000) this.batchCache.clear();
      this.batchCache.set(batchId, { facts, until: Date.now() + BATCH_FACTS_TTL_MS });
    }
    return facts;
  }

  private async product(productCode: string): Promise<ProductRow | null> {
    const cached = this.productCache.get(productCode);
    if (cached) return cached;
    const row = await this.deps.reads.product(productCode);
    if (row) {
      if (this.productCache.size > 10_000) this.productCache.clear();
      this.productCache.set(productCode, row);
    }
    return row;
  }

  /** What the one-transaction path needs, read and checked before its transaction opens. */
  private async transactionInput(command: RecordDoseCommand, actor: Actor, meta: CommandMeta): Promise<DoseInput> {
    const { reads: models, provinceCode, pseudonymSecret } = this.deps;
    const personId = pseudonymFor(pseudonymSecret, command.person, 'person.', command.person);
    const traceCode = traceCodeOf(command);
    const { person, ...dose } = command;
    // Read in the dose's own transaction where the deps can (one commit less per dose).
    const [batch, known] = await Promise.all([
      this.batchFacts(command.batchId),
      this.deps.oneTransaction?.validDosesIn ? Promise.resolve([]) : models.doses(personId),
    ]);
    return {
      personId,
      streamId: personStream(provinceCode, personId),
      site: siteOf(actor),
      actor,
      meta,
      now: (this.deps.clock ?? systemClock)(),
      provinceCode,
      batch,
      otherDoses: known
        .filter((d) => d.status === 'valid')
        .map((d) => ({ eventId: d.eventId, vaccineType: d.vaccineType, doseNumber: d.doseNumber, administeredAt: d.administeredAt })),
      details: { name: person.name, birthDate: person.birthDate, sex: person.sex },
      fingerprint: { ...dose, personId },
      grantTtlMs: this.deps.personGrantTtlMs,
      data: doseData(command, personId, traceCode),
    };
  }

  /**
   * Many doses at once (demo seeding, file imports): where the store supports it, up to
   * `groupSize` doses of different persons share one transaction and one commit (group
   * commit) with set-based reads and writes (recordDoseGroup), and a refused dose refuses only
   * itself. A person's later doses go in a later group, so each person's doses are decided in
   * the order given. Answers in the order given. Elsewhere the doses run one by one through
   * `handle`.
   */
  async handleMany(
    items: readonly { readonly command: RecordDoseCommand; readonly actor: Actor; readonly meta: CommandMeta }[],
    groupSize = DOSE_GROUP_SIZE,
  ): Promise<PromiseSettledResult<CommandAnswer>[]> {
    const oneTransaction = this.deps.oneTransaction;
    if (!oneTransaction?.store.capabilities.guards) {
      const out: PromiseSettledResult<CommandAnswer>[] = [];
      for (const { command, actor, meta } of items) {
        try {
          out.push({ status: 'fulfilled', value: await this.handle(command, actor, meta) });
        } catch (reason) {
          out.push({ status: 'rejected', reason });
        }
      }
      return out;
    }
    // Each batch's facts once (the cache then answers every dose of it).
    await Promise.all([...new Set(items.map((item) => item.command.batchId))].map((id) => this.batchFacts(id).catch(() => null)));
    const inputs = await Promise.allSettled(items.map(({ command, actor, meta }) => this.transactionInput(command, actor, meta)));
    const out: PromiseSettledResult<CommandAnswer>[] = [...inputs] as PromiseSettledResult<never>[];
    const ready = inputs.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, input: r.value }] : []));
    for (const group of distinctGroups(ready, Math.max(1, groupSize))) {
      const answers = await recordDoseGroup(
        oneTransaction,
        group.map((g) => g.input),
      );
      group.forEach((g, k) => {
        out[g.i] = answers[k]!;
      });
    }
    return out;
  }

  async handle(command: RecordDoseCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const oneTransaction = this.deps.oneTransaction;
    // The paths that append on their own report their time as the executor's commands do.
    const timed = (work: () => Promise<CommandAnswer>): Promise<CommandAnswer> =>
      this.deps.executor.timed('RecordDose', async () => {
        const answer = await work();
        return { value: answer, replayed: isReplayedAnswer(answer) };
      });
    if (oneTransaction?.store.capabilities.guards)
      return timed(async () => {
        const input = await this.transactionInput(command, actor, meta);
        return this.live ? this.live.record(input) : recordDoseInOneTransaction(oneTransaction, input);
      });
    const guardedAppend = this.deps.guardedAppend;
    if (guardedAppend?.store.capabilities.guards)
      return timed(async () => recordDoseWithGuardedAppend(guardedAppend, await this.transactionInput(command, actor, meta)));
    // Stores without guard rows (KurrentDB without them, memory): the per-site lock path (ADR 0004).
    const { executor, reads: models, vault, provinceCode, pseudonymSecret } = this.deps;
    const personId = pseudonymFor(pseudonymSecret, command.person, 'person.', command.person);
    const traceCode = traceCodeOf(command);
    const site = siteOf(actor);
    const now = (this.deps.clock ?? systemClock)();
    // The command carries a name and an ID number: only the pseudonym goes on.
    const { person, ...dose } = command;
    const fingerprint = { ...dose, personId };
    const streamId = personStream(provinceCode, personId);
    const outcome = await this.deps.siteLocks.run(site, () =>
      executor.run({
        command: 'RecordDose',
        streamId,
        resourceId: personId,
        actor,
        body: fingerprint,
        ...meta,
        decide: async (history) => {
          const [batch, stock, code, known] = await Promise.all([
            models.batch(command.batchId),
            models.stockAt(site, command.batchId),
            traceCode ? models.traceCode(traceCode) : Promise.resolve(null),
            models.doses(personId),
          ]);
          const product = batch ? await models.product(batch.productCode) : null;
          const own = new Set(history.map((e) => e.eventId));
          const keyId = await vault.ensureKey(personId);
          const events = personDecider.decide(
            {
              type: 'RecordDose',
              data: { ...doseData(command, personId, traceCode), keyId },
              context: {
                now,
                actor: { ...actor, siteCode: site },
                batch: batch ? batchFacts(batch, product) : null,
                availableAtSite: stock?.available ?? 0,
                traceCode: code
                  ? {
                      batchId: code.batchId,
                      holderSite: code.state === 'in_stock' || code.state === 'administered' ? code.holderSite : null,
                      dosesDrawn: code.dosesDrawn,
                    }
                  : null,
                otherDoses: known
                  .filter((d) => d.status === 'valid' && !own.has(d.eventId))
                  .map((d) => ({
                    eventId: d.eventId,
                    vaccineType: d.vaccineType,
                    doseNumber: d.doseNumber,
                    administeredAt: d.administeredAt,
                  })),
              },
            },
            foldHistory(personDecider, history),
          );
          // Details go to the vault before the dose goes to the log: a crash in between leaves
          // details without a dose (used when the clinic retries), never a dose whose person
          // details were lost. Refused doses (the decider threw) store nothing.
          await vault.storeDetails(personId, { name: person.name, birthDate: person.birthDate, sex: person.sex });
          return events;
        },
      }),
    );
    // The recording site has the person in front of it: it may read the record it just added to.
    await this.deps.grants.grantPerson(site, personId, this.deps.personGrantTtlMs);
    return outcome.answer;
  }
}
