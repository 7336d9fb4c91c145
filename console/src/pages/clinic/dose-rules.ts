import type { ApiError } from '../../api/client';

export const ID_TYPES = [
  'RESIDENT_ID',
  'RESIDENCE_PERMIT_HMT',
  'FOREIGN_PERMANENT_RESIDENT',
  'PASSPORT',
  'TRAVEL_PERMIT_HMT',
  'BIRTH_CERTIFICATE',
  'VACCINATION_CERTIFICATE',
  'OTHER',
] as const;

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

/** Birth date and sex as a resident ID states them (GB 11643: digits 7-14, 17th odd = male). */
export const personFromResidentId = (id: string): { birthDate: string; sex: 'M' | 'F' } | null => {
  const m = /^\d{6}(\d{4})(\d{2})(\d{2})\d{2}(\d)[\dX]$/i.exec(id);
  if (!m) return null;
  return { birthDate: `${m[1]}-${m[2]}-${m[3]}`, sex: Number(m[4]) % 2 === 1 ? 'M' : 'F' };
};
