import { randomUUID } from 'node:crypto';
import {
  type AccessEvent,
  type Actor,
  auditStream,
  isPurposeOfUse,
  localDateOf,
  PURPOSES_OF_USE,
  type PurposeOfUse,
} from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import type { Request } from 'express';
import { ApiError } from '../http/problem';

/** Why the caller reads personal data; one of `PURPOSES_OF_USE`, else the endpoint's default. */
export const PURPOSE_HEADER = 'X-Purpose-Of-Use';
/** The member of staff at the caller's organisation who reads (a reference, never a name). */
export const STAFF_HEADER = 'X-Staff-Ref';

const STAFF_REF = /^[0-9A-Za-z._:-]{1,60}$/;

export interface AccessContext {
  readonly purpose: PurposeOfUse;
  readonly staffRef?: string;
  readonly correlationId: string;
}

/**
 * Reads and checks the purpose and staff headers of a read of personal data. Called before
 * anything is read, so a bad header is a 400 that discloses nothing and appends nothing.
 */
export const accessContextOf = (request: Request, actor: Actor, fallback: PurposeOfUse): AccessContext => {
  const raw = request.header(PURPOSE_HEADER);
  const purpose = raw === undefined ? fallback : raw.trim().toLowerCase();
  if (!isPurposeOfUse(purpose))
    throw new ApiError('VALIDATION_FAILED', `${PURPOSE_HEADER} must be one of ${PURPOSES_OF_USE.join(', ')}`, [
      { field: PURPOSE_HEADER, reason: 'not in the value set' },
    ]);
  const header = request.header(STAFF_HEADER);
  if (header !== undefined && !STAFF_REF.test(header))
    throw new ApiError('VALIDATION_FAILED', `${STAFF_HEADER} must be 1–60 letters, digits or . _ : -`, [
      { field: STAFF_HEADER, reason: 'malformed' },
    ]);
  // A staff reference in the caller's credentials wins over one the client asserts.
  const staffRef = actor.staffRef ?? header;
  const id = (request as Request & { id?: unknown }).id;
  return { purpose, ...(staffRef ? { staffRef } : {}), correlationId: typeof id === 'string' ? id : String(id ?? '') };
};

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
    throw new ApiError('AUDIT_UNAVAILABLE', 'the read could not be recorded in the audit trail, so it was not answered; try again');
  }
};
