// The ID-number rules are the ledger's own (libs/domain, pure TypeScript bundled by Vite): the
// form refuses exactly what the API would, and no second copy of them can drift.
import { birthDateOf, ID_TYPES, normalisePersonIdentifier, parseResidentId, sexOf } from '@vaxledger/domain/identifiers';
import type { ApiError } from '../../api/client';

export { ID_TYPES };

// Refusals whose problem names no field, placed where a nurse would look.
const FIELD_OF_CODE: Record<string, string> = {
  BATCH_RECALLED: 'batchId',
  BATCH_SUSPENDED: 'batchId',
  BATCH_EXPIRED: 'batchId',
  BATCH_NOT_RELEASED: 'batchId',
  INSUFFICIENT_STOCK: 'batchId',
  UNKNOWN_BATCH: 'batchId',
  TRACE_CODE_USED: 'traceCode',
  TRACE_CODE_REQUIRED: 'traceCode',
  UNKNOWN_TRACE_CODE: 'traceCode',
  INVALID_TRACE_CODE: 'traceCode',
  TRACE_CODE_NOT_ON_HAND: 'traceCode',
  TRACE_CODE_WRONG_BATCH: 'traceCode',
  INTERVAL_TOO_SHORT: 'administeredAt',
  TIME_IN_FUTURE: 'administeredAt',
  DOSE_BEFORE_BIRTH: 'administeredAt',
  DOSE_NUMBER_OUT_OF_ORDER: 'doseNumber',
  DUPLICATE_DOSE_NUMBER: 'doseNumber',
  INVALID_PERSON_ID: 'idNumber',
};

// The API's field paths, as the form names them.
const FORM_FIELD: Record<string, string> = {
  'person.idNumber': 'idNumber',
  'person.name': 'name',
  'person.birthDate': 'birthDate',
  'person.sex': 'sex',
  personId: 'idNumber',
};
const FORM_FIELDS = new Set([
  'traceCode',
  'batchId',
  'doseNumber',
  'administeredAt',
  'route',
  'vaccinatorRef',
  'idNumber',
  'name',
  'birthDate',
  'sex',
]);

/** The form field a refusal concerns: the problem's own field, else the code's usual one. */
export const refusalField = (error: ApiError): string | null => {
  const given = error.errors[0]?.field;
  const named = given ? (FORM_FIELD[given] ?? given) : null;
  if (named && FORM_FIELDS.has(named)) return named;
  return FIELD_OF_CODE[error.code] ?? null;
};

/** Birth date and sex as a valid resident ID states them (GB 11643), else null. */
export const personFromResidentId = (id: string, today: string): { birthDate: string; sex: 'M' | 'F' } | null => {
  const parsed = parseResidentId(id, today);
  return parsed.ok ? { birthDate: birthDateOf(parsed.value), sex: sexOf(parsed.value) } : null;
};

/**
 * Why the API would refuse this document number (libs/domain's reason code, e.g.
 * INVALID_CHECK_CHARACTER), or null if it is acceptable. `today` is the site's date (YYYY-MM-DD).
 */
export const idNumberProblem = (idType: string, idNumber: string, today: string): string | null => {
  // A passport needs its issuing state, which this screen does not ask for: the API checks it.
  const checked = normalisePersonIdentifier({ idType, idNumber, issuingState: 'XXX' }, today);
  return checked.ok ? null : checked.reason;
};
