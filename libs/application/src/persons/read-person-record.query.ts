import { type Actor, nextDue } from '@vaxledger/domain';
import type { DoseRow } from '@vaxledger/projections';
import type { PersonVault } from '@vaxledger/privacy';
import { type AuditedReadDeps, openPersonRecord } from '../audit/audited-reads';
import type { AccessContext } from '../audit/record-access';

export interface ReadPersonRecordDeps extends AuditedReadDeps {
  readonly vault: Pick<PersonVault, 'readDetails'>;
  /** With sync on: per origin province, up to when this node holds all of the person's events. */
  readonly completeness?: ((personId: string) => Promise<unknown>) | undefined;
}

/** The same dose number of one vaccine recorded twice (derived the same way on every node). */
export interface DoseConflict {
  readonly code: 'DUPLICATE_DOSE_NUMBER';
  readonly vaccineType: string;
  readonly doseNumber: number;
  readonly eventIds: readonly string[];
  readonly crossProvince: boolean;
}

const conflictsOf = (valid: readonly DoseRow[]): DoseConflict[] => {
  const byKey = new Map<string, DoseRow[]>();
  for (const d of valid) byKey.set(`${d.vaccineType}|${d.doseNumber}`, [...(byKey.get(`${d.vaccineType}|${d.doseNumber}`) ?? []), d]);
  return [...byKey.values()]
    .filter((group) => group.length > 1)
    .map((group) => ({
      code: 'DUPLICATE_DOSE_NUMBER',
      vaccineType: group[0]!.vaccineType,
      doseNumber: group[0]!.doseNumber,
      eventIds: group.map((d) => d.eventId).sort(),
      crossProvince: new Set(group.map((d) => d.originProvince)).size > 1,
    }));
};

/**
 * ReadPersonRecord: every dose of a person from every origin this node holds, the series status,
 * dose-number conflicts and the AEFI reports about them; an audited read (PersonRecordRead).
 */
export class ReadPersonRecordQuery {
  constructor(private readonly deps: ReadPersonRecordDeps) {}

  async handle(personId: string, actor: Actor, context: AccessContext): Promise<Record<string, unknown>> {
    const models = this.deps.reads;
    const position = models.position.toString();
    const { doses, person } = await openPersonRecord(this.deps, actor, personId, context);
    const [details, aefi] = await Promise.all([this.deps.vault.readDetails(personId), models.aefi.reportsOfPerson(personId)]);
    const valid = doses.filter((d) => d.status === 'valid');
    const series = [...new Set(valid.map((d) => d.vaccineType))].sort().map((vaccineType) => {
      const status = nextDue(vaccineType, valid, details?.birthDate);
      return {
        vaccineType,
        dosesDone: status?.dosesDone ?? 0,
        nextDoseNumber: status?.nextDoseNumber ?? null,
        nextDueOn: status?.dueOn ?? null,
      };
    });
    return {
      personId,
      ...(details && !person?.erased ? { details } : {}),
      erased: person?.erased ?? false,
      ...(this.deps.completeness ? { completeness: await this.deps.completeness(personId) } : {}),
      doses: doses.map((d) => ({
        eventId: d.eventId,
        originProvince: d.originProvince,
        siteCode: d.siteCode,
        administeredAt: d.administeredAt,
        batchId: d.batchId,
        productCode: d.productCode,
        vaccineType: d.vaccineType,
        doseNumber: d.doseNumber,
        status: d.status,
      })),
      series,
      conflicts: conflictsOf(valid),
      // Adverse events following immunisation reported about this person (from any province).
      aefi: aefi.map((r) => ({
        reportId: r.reportId,
        reportProvince: r.reportProvince,
        doseEventIds: r.doses.map((d) => d.doseEventId),
        onsetAt: r.onsetAt,
        signs: r.signs,
        serious: r.serious,
        outcome: r.outcome,
        aefiClass: r.aefiClass,
      })),
      position,
    };
  }
}
