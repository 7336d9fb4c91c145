import { type Actor, type IdType, personDecider, personStream, RuleViolation } from '@vaxledger/domain';
import type { PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { batchFacts } from '../kernel/facts';
import { foldHistory } from '../kernel/fold';
import { type Clock, type KeyedSerialiser, type PersonGrants, siteOf, systemClock } from '../kernel/ports';
import { pseudonymFor } from '../persons/pseudonym';

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
}

/**
 * RecordDose: a dose given at the actor's site (DoseAdministered). The answer's id is the
 * person's pseudonym; the identity document never goes further than this handler.
 */
export class RecordDoseHandler {
  constructor(private readonly deps: RecordDoseDeps) {}

  async handle(command: RecordDoseCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { executor, reads: models, vault, provinceCode, pseudonymSecret } = this.deps;
    const personId = pseudonymFor(pseudonymSecret, command.person);
    if (command.traceCode !== undefined && !/^\d{20}$/.test(command.traceCode.replace(/[\s-]/g, '')))
      throw new RuleViolation('INVALID_TRACE_CODE', 'traceCode is not a 20-digit trace code', 'traceCode');
    const traceCode = command.traceCode?.replace(/[\s-]/g, '');
    const site = siteOf(actor);
    const now = (this.deps.clock ?? systemClock)();
    // The command carries a name and an ID number: only the pseudonym goes on.
    const { person, ...dose } = command;
    const fingerprint = { ...dose, personId };
    const outcome = await this.deps.siteLocks.run(site, () =>
      executor.run({
        command: 'RecordDose',
        streamId: personStream(provinceCode, personId),
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
              data: {
                personId,
                keyId,
                administeredAt: command.administeredAt,
                batchId: command.batchId,
                traceCode: traceCode ?? null,
                doseNumber: command.doseNumber,
                vaccinatorRef: command.vaccinatorRef,
                route: command.route,
                ...(command.bodySite ? { bodySite: command.bodySite } : {}),
                ...(command.override ? { override: { ...command.override } } : {}),
              },
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
