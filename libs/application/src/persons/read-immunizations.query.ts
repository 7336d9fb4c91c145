import type { Actor } from '@vaxledger/domain';
import type { DoseRow } from '@vaxledger/projections';
import { type AuditedReadDeps, notFound, openPersonRecord } from '../audit/audited-reads';
import type { AccessContext } from '../audit/record-access';

/**
 * ReadImmunizations: a person's doses for another rendering of the record (FHIR Immunization),
 * under the same rule and the same audit (PersonRecordRead) as ReadPersonRecord.
 */
export class ReadImmunizationsQuery {
  constructor(private readonly deps: AuditedReadDeps) {}

  /** Every dose of the person. */
  async ofPerson(personId: string, actor: Actor, context: AccessContext): Promise<DoseRow[]> {
    await openPersonRecord(this.deps, actor, personId, context);
    return this.deps.reads.doses(personId);
  }

  /** One dose by its event id; an unknown dose and a forbidden one read alike. */
  async oneDose(doseEventId: string, actor: Actor, context: AccessContext): Promise<DoseRow> {
    const hidden = `no Immunization ${doseEventId}`;
    const dose = await this.deps.reads.dose(doseEventId);
    if (!dose) throw notFound(hidden)();
    await openPersonRecord(this.deps, actor, dose.personId, context, hidden);
    return dose;
  }
}
