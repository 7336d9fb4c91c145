import type { Actor } from '@vaxledger/domain';
import type { PersonDetails, PersonVault } from '@vaxledger/privacy';
import { type AuditedReadDeps, openPersonRecord } from '../audit/audited-reads';
import type { AccessContext } from '../audit/record-access';
import { ApplicationError } from '../kernel/errors';

export interface ReadPatientDeps extends AuditedReadDeps {
  readonly vault: Pick<PersonVault, 'readDetails'>;
}

/**
 * ReadPatient: the person as a patient (FHIR Patient), pseudonymous unless the caller asks for the
 * details (name, gender, birth date) and may have them; audited like the record (PersonRecordRead).
 */
export class ReadPatientQuery {
  constructor(private readonly deps: ReadPatientDeps) {}

  async handle(personId: string, wantsDetails: boolean, actor: Actor, context: AccessContext): Promise<{ details: PersonDetails | null }> {
    // The hub keeps no vault: it may never ask for identity.
    if (wantsDetails && actor.role === 'hub') throw new ApplicationError('FORBIDDEN', 'the hub holds no person details');
    const { person } = await openPersonRecord(this.deps, actor, personId, context);
    return { details: wantsDetails && !person?.erased ? await this.deps.vault.readDetails(personId) : null };
  }
}
