import { type AccessContext } from '@vaxledger/application';
import { type Actor, isPurposeOfUse, PURPOSES_OF_USE, type PurposeOfUse } from '@vaxledger/domain';
import type { Request } from 'express';
import { ApiError } from '../http/problem';

// Appending the access event is the audited read's own query handler (libs/application); the
// headers that say why and by whom are this edge's.
export type { AccessContext } from '@vaxledger/application';

/** Why the caller reads personal data; one of `PURPOSES_OF_USE`, else the endpoint's default. */
export const PURPOSE_HEADER = 'X-Purpose-Of-Use';
/** The member of staff at the caller's organisation who reads (a reference, never a name). */
export const STAFF_HEADER = 'X-Staff-Ref';

const STAFF_REF = /^[0-9A-Za-z._:-]{1,60}$/;

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
