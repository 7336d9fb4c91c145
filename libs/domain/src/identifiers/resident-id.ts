import { type Branded, type ParseResult, fail, isDigits, normaliseIdentifier, ok } from './normalise';
import { isIdNumberRegionPrefix } from './region-code';

/** An 18-character resident identity number (GB 11643), check character verified. */
export type ResidentId = Branded<string, 'ResidentId'>;

export type ResidentIdReason =
  | 'INVALID_LENGTH'
  | 'INVALID_CHARACTERS'
  | 'UNKNOWN_REGION'
  | 'INVALID_BIRTH_DATE'
  | 'BIRTH_DATE_TOO_EARLY'
  | 'BIRTH_DATE_IN_FUTURE'
  | 'INVALID_CHECK_CHARACTER';

export type LegacyResidentIdReason = 'INVALID_LENGTH' | 'INVALID_CHARACTERS';

/** 2^(18−i) mod 11 for positions 1–17 (ISO 7064 MOD 11-2). */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
const EARLIEST_BIRTH_DATE = '1900-01-01';
const ISO_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const SHAPE = /^[0-9]{17}[0-9X]$/;

export const residentIdCheckChar = (first17: string): string => {
  if (first17.length !== 17 || !isDigits(first17)) throw new RangeError('a resident ID body is 17 digits');
  const sum = WEIGHTS.reduce((total, weight, index) => total + weight * (first17.charCodeAt(index) - 48), 0);
  return CHECK_CHARS.charAt(sum % 11);
};

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** `YYYYMMDD` → `YYYY-MM-DD` if it names a day on the calendar, else null. */
const calendarDate = (yyyymmdd: string): string | null => {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
};

/**
 * The GB 11643 rules shared by resident IDs and the cards built on the same layout (residence
 * permits for Hong Kong, Macao and Taiwan residents; the 2023 foreign permanent resident card).
 * They differ only in which leading characters are allowed, so the caller says that.
 * `today` is `YYYY-MM-DD` in the site's time zone, passed in so that the check stays pure.
 */
export const parseGb11643Number = (
  raw: string,
  today: string,
  acceptsPrefix: (id: string) => boolean,
): ParseResult<string, ResidentIdReason> => {
  if (!ISO_DATE.test(today)) throw new RangeError('today must be YYYY-MM-DD');
  const id = normaliseIdentifier(raw);
  if (id.length !== 18) return fail('INVALID_LENGTH');
  if (!SHAPE.test(id)) return fail('INVALID_CHARACTERS');
  if (!acceptsPrefix(id)) return fail('UNKNOWN_REGION');
  const born = calendarDate(id.slice(6, 14));
  if (born === null) return fail('INVALID_BIRTH_DATE');
  if (born < EARLIEST_BIRTH_DATE) return fail('BIRTH_DATE_TOO_EARLY');
  if (born > today) return fail('BIRTH_DATE_IN_FUTURE');
  return residentIdCheckChar(id.slice(0, 17)) === id.charAt(17) ? ok(id) : fail('INVALID_CHECK_CHARACTER');
};

/**
 * Only the first two digits of the region of issue are checked: county codes are redrawn and
 * an ID keeps the code of the place that issued it, however old.
 */
export const parseResidentId = (raw: string, today: string): ParseResult<ResidentId, ResidentIdReason> => {
  const parsed = parseGb11643Number(raw, today, (id) => isIdNumberRegionPrefix(id.slice(0, 2)));
  return parsed.ok ? ok(parsed.value as ResidentId) : parsed;
};

/**
 * A 15-digit first-generation number (all holders born 1900–1999) in its 18-character form:
 * `19` inserted before the two-digit year and the check character appended. Pseudonyms are
 * derived from the 18-character form, so a person presenting either card gets one record. The
 * result is not yet validated: pass it to `parseResidentId`.
 */
export const upgradeLegacyResidentId = (raw: string): ParseResult<string, LegacyResidentIdReason> => {
  const legacy = normaliseIdentifier(raw);
  if (legacy.length !== 15) return fail('INVALID_LENGTH');
  if (!isDigits(legacy)) return fail('INVALID_CHARACTERS');
  const body = `${legacy.slice(0, 6)}19${legacy.slice(6)}`;
  return ok(body + residentIdCheckChar(body));
};

/** `YYYY-MM-DD`. */
export const birthDateOf = (id: ResidentId): string => `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;

/** The 17th digit is odd for men and even for women. */
export const sexOf = (id: ResidentId): 'M' | 'F' => (Number(id.charAt(16)) % 2 === 1 ? 'M' : 'F');
