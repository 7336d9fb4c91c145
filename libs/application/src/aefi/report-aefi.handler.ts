import { randomUUID } from 'node:crypto';
import { type Actor, aefiDecider, type AefiDoseFacts, aefiStream, type AefiOutcome, type SeriousCriterion } from '@vaxledger/domain';
import type { AefiNarrative, PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';
import { uuidV5 } from '../kernel/uuid-v5';
import { type IdentityDocument, pseudonymFor } from '../persons/pseudonym';
import type { RaiseAefiSignalHandler } from './raise-aefi-signal.handler';

export interface ReportAefiCommand {
  /** The person's identity document, pseudonymised here and never kept. */
  readonly person: IdentityDocument;
  readonly doseEventIds: readonly string[];
  readonly discoveredAt: string;
  readonly onsetAt: string;
  readonly signs: readonly string[];
  readonly serious: boolean;
  readonly seriousCriteria?: readonly SeriousCriterion[] | undefined;
  readonly cluster: boolean;
  readonly majorPublicImpact?: boolean | undefined;
  readonly outcome: AefiOutcome;
  /** Free text and contact details: to the vault only. */
  readonly narrative?: string | undefined;
  readonly contact?: AefiNarrative['contact'] | undefined;
}

export interface ReportAefiDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'aefi'>;
  readonly vault: Pick<PersonVault, 'storeAefiNarrative'>;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  readonly signals: RaiseAefiSignalHandler;
  readonly clock?: Clock;
}

/**
 * ReportAefi (AdverseEventReported): a clinic or CDC reports an adverse event following the
 * named doses, which may have been given in any province whose doses reached this node. The
 * report's stream belongs to this province; sync routes it to the provinces of vaccination.
 * Afterwards the batches of the doses given in this province are checked for a signal (the
 * province of vaccination checks the others when the report arrives there).
 */
export class ReportAefiHandler {
  constructor(private readonly deps: ReportAefiDeps) {}

  async handle(command: ReportAefiCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { reads, vault, provinceCode } = this.deps;
    const personId = pseudonymFor(this.deps.pseudonymSecret, command.person);
    // A retried report (same Idempotency-Key) names the same report.
    const reportId = meta.idempotencyKey ? uuidV5(`${actor.orgCode}|${meta.idempotencyKey}|aefi`) : randomUUID();
    const now = (this.deps.clock ?? systemClock)();
    const narrative = command.narrative !== undefined || command.contact !== undefined;
    // Read models keep event ids as lower-case UUIDs.
    const doseEventIds = [...new Set(command.doseEventIds.map((id) => id.toLowerCase()))];
    const { person: _person, narrative: _text, contact: _contact, ...facts } = command;
    const { answer } = await this.deps.executor.run({
      command: 'ReportAefi',
      streamId: aefiStream(provinceCode, reportId),
      resourceId: reportId,
      actor,
      // The fingerprint of a retry: the pseudonym stands for the document, the vault's text is hashed with it.
      body: { ...facts, doseEventIds, personId, narrative: command.narrative ?? null, contact: command.contact ?? null },
      ...meta,
      decide: async (history) => {
        const known = await reads.aefi.doses(doseEventIds);
        const doses: Record<string, AefiDoseFacts | null> = Object.fromEntries(doseEventIds.map((id) => [id, null]));
        for (const d of known)
          doses[d.eventId] = {
            doseEventId: d.eventId,
            personId: d.personId,
            batchId: d.batchId,
            productCode: d.productCode,
            siteCode: d.siteCode,
            province: d.originProvince,
            administeredAt: d.administeredAt,
            voided: d.status !== 'valid',
          };
        const events = aefiDecider.decide(
          {
            type: 'ReportAefi',
            data: {
              reportId,
              personId,
              doseEventIds,
              discoveredAt: command.discoveredAt,
              onsetAt: command.onsetAt,
              signs: command.signs,
              serious: command.serious,
              ...(command.seriousCriteria ? { seriousCriteria: command.seriousCriteria } : {}),
              cluster: command.cluster,
              majorPublicImpact: command.majorPublicImpact ?? false,
              outcome: command.outcome,
              narrativeInVault: narrative,
            },
            context: { now, actor, nodeProvince: provinceCode, doses },
          },
          foldHistory(aefiDecider, history),
        );
        // The narrative reaches the vault before the report reaches the log (as a dose's details
        // do). For a person whose details were erased nothing is kept, and the report says so.
        if (!narrative) return events;
        const kept = await vault.storeAefiNarrative(personId, reportId, {
          narrative: command.narrative ?? '',
          ...(command.contact ? { contact: command.contact } : {}),
        });
        return kept
          ? events
          : events.map((e) => (e.type === 'AdverseEventReported' ? { ...e, data: { ...e.data, narrativeInVault: false } } : e));
      },
    });
    if (answer.eventIds.length > 0) {
      // Signals are evaluated where the doses were given: that node holds all of them (another
      // node may hold only the doses of persons it served), so its rates are not skewed.
      const given = (await reads.aefi.doses(doseEventIds)).filter((d) => d.originProvince === provinceCode);
      const batches = new Map(given.map((d) => [d.batchId, d.productCode]));
      await this.deps.executor.catchUp();
      for (const [batchId, productCode] of batches) await this.deps.signals.handle({ batchId, productCode }, actor, meta);
    }
    return answer;
  }
}
