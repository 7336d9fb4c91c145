import { randomUUID } from 'node:crypto';
import { type AccessEvent, type Actor, auditStream, localDateOf, type PurposeOfUse } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import { ApplicationError } from '../kernel/errors';

/** Why and by whom personal data is read: the entry point gathers it (HTTP: X-Purpose-Of-Use, X-Staff-Ref). */
export interface AccessContext {
  readonly purpose: PurposeOfUse;
  readonly staffRef?: string;
  readonly correlationId: string;
}

/**
 * Appends an access event to the caller organisation's audit stream for the day, in the
 * node's own log. The read is answered only after the append committed: when the trail
 * cannot be written the read fails with 503 AUDIT_UNAVAILABLE and nothing is disclosed.
 */
export const recordAccess = async (
  store: EventStore,
  provinceCode: string,
  actor: Actor,
  context: AccessContext,
  event: AccessEvent,
): Promise<void> => {
  const staffRef = context.staffRef ?? actor.staffRef;
  try {
    await store.append(
      auditStream(actor.orgCode, localDateOf(event.data.accessedAt)),
      [
        {
          eventId: randomUUID(),
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data,
          metadata: {
            ...(context.correlationId ? { correlationId: context.correlationId } : {}),
            actor: {
              orgCode: actor.orgCode,
              role: actor.role,
              provinceCode: actor.provinceCode,
              ...(actor.siteCode ? { siteCode: actor.siteCode } : {}),
              ...(staffRef ? { staffRef } : {}),
            },
            originProvince: provinceCode,
          },
        },
      ],
      // Many reads at once from one organisation: no revision check, the log orders them.
      { expected: 'any' },
    );
  } catch {
    throw new ApplicationError('AUDIT_UNAVAILABLE', 'the read could not be recorded in the audit trail, so it was not answered; try again');
  }
};
