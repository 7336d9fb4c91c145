import { type Actor, personRecordRead } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import type { AefiReportRow, DoseRow, PersonRow, ReadModels } from '@vaxledger/projections';
import { type AccessDecision, enforce } from '../kernel/access';
import { ApplicationError } from '../kernel/errors';
import { type Clock, systemClock } from '../kernel/ports';
import { type AccessContext, recordAccess } from './record-access';

/**
 * Who may read what personal data: the edge's policy answers (apps/api/src/auth), as for the
 * write use cases' AccessPolicy. A refusal as `not_found` reads exactly like a missing record.
 */
export interface ReadAccessPolicy {
  mayReadPersonRecord(actor: Actor, personId: string): Promise<AccessDecision>;
  maySeeAefiReport(actor: Actor, report: AefiReportRow): Promise<AccessDecision>;
  maySeeRecallImpact(actor: Actor, batchId: string): Promise<AccessDecision>;
  /** Which sites' rows of a recall impact the actor sees (a provincial caller: its province's). */
  impactRowFilter(actor: Actor, sites: readonly string[]): Promise<(site: string) => boolean>;
}

/** What every audited read runs on: the log (for the access trail), the read models, the policy. */
export interface AuditedReadDeps {
  readonly store: EventStore;
  readonly provinceCode: string;
  readonly reads: ReadModels;
  readonly access: ReadAccessPolicy;
  readonly clock?: Clock;
}

export const notFound = (message: string) => (): Error => new ApplicationError('NOT_FOUND', message);

/** The instant a read happened, for its access event. */
export const accessedAt = (deps: Pick<AuditedReadDeps, 'clock'>): string => (deps.clock ?? systemClock)();

/**
 * Opens a person's record for a read: the caller must be allowed (else it is as if there were no
 * record), the record must exist on this node, and the read is in the access trail before anything
 * is answered. Returns the doses and the person row the read found.
 */
export const openPersonRecord = async (
  deps: AuditedReadDeps,
  actor: Actor,
  personId: string,
  context: AccessContext,
  hidden = 'no record of this person on this node',
): Promise<{ doses: DoseRow[]; person: PersonRow | null }> => {
  enforce(await deps.access.mayReadPersonRecord(actor, personId), notFound(hidden));
  const [doses, person] = await Promise.all([deps.reads.doses(personId), deps.reads.person(personId)]);
  if (doses.length === 0 && !person) throw notFound(hidden)();
  await recordAccess(
    deps.store,
    deps.provinceCode,
    actor,
    context,
    personRecordRead({ personId, purpose: context.purpose, accessedAt: accessedAt(deps) }),
  );
  return { doses, person };
};
