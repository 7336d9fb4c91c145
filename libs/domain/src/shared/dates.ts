/**
 * Calendar arithmetic for the ledger, written without `Date` so that nothing here can read
 * the machine clock or the machine time zone. Dates are `YYYY-MM-DD` strings; instants are
 * RFC 3339 strings with an explicit offset. Sites keep China time (+08:00, no daylight
 * saving), so "which day was it" questions default to that offset.
 */

/** `YYYY-MM-DD`, a calendar day with no time zone. */
export type LocalDate = string;
/** RFC 3339 date-time with `Z` or a `±hh:mm` offset. */
export type Instant = string;

export const CHINA_OFFSET_MINUTES = 8 * 60;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export const daysInMonth = (year: number, month: number): number => {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
};

interface Civil {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

// Proleptic Gregorian day count relative to 1970-01-01 (after H. Hinnant's days_from_civil):
// shifting the year to start in March puts the leap day at the end of the cycle.
const dayNumber = ({ year, month, day }: Civil): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
};

const civilOf = (days: number): Civil => {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
};

const pad = (value: number, width: number): string => String(value).padStart(width, '0');
const format = ({ year, month, day }: Civil): LocalDate => `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;

const parseCivil = (date: string): Civil | null => {
  const match = DATE_PATTERN.exec(date);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
};

const civilOrThrow = (date: LocalDate): Civil => {
  const civil = parseCivil(date);
  if (!civil) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
  return civil;
};

/** True for a real calendar day written `YYYY-MM-DD` (so `2023-02-29` is false). */
export const isLocalDate = (value: unknown): value is LocalDate => typeof value === 'string' && parseCivil(value) !== null;

const parseInstantOrNull = (value: string): number | null => {
  const match = INSTANT_PATTERN.exec(value);
  if (!match) return null;
  const civil = parseCivil(`${match[1]}-${match[2]}-${match[3]}`);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  if (!civil || hour > 23 || minute > 59 || second > 59) return null;
  const fraction = match[7] ? Math.floor(Number(`0${match[7]}`) * 1000) : 0;
  const zone = match[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetMins = Number(zone.slice(4, 6));
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const localMs = dayNumber(civil) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + fraction;
  return localMs - offsetMinutes * MS_PER_MINUTE;
};

/** True for an RFC 3339 instant that carries its offset (a bare local time is not an instant). */
export const isInstant = (value: unknown): value is Instant => typeof value === 'string' && parseInstantOrNull(value) !== null;

/** Milliseconds since 1970-01-01T00:00:00Z; throws a RangeError on anything but an instant. */
export const parseInstant = (instant: Instant): number => {
  const ms = parseInstantOrNull(instant);
  if (ms === null) throw new RangeError(`not an RFC 3339 instant: ${JSON.stringify(instant)}`);
  return ms;
};

/** Negative, zero or positive as `a` is before, at or after `b` on the time line. */
export const compareInstants = (a: Instant, b: Instant): number => parseInstant(a) - parseInstant(b);

/** Whether `instant` lies more than `minutes` after `reference`. */
export const isLaterThan = (instant: Instant, reference: Instant, minutes = 0): boolean =>
  parseInstant(instant) > parseInstant(reference) + minutes * MS_PER_MINUTE;

/** The calendar day on a wall clock at the given offset (China time unless told otherwise). */
export const localDateOf = (instant: Instant, offsetMinutes = CHINA_OFFSET_MINUTES): LocalDate =>
  format(civilOf(Math.floor((parseInstant(instant) + offsetMinutes * MS_PER_MINUTE) / MS_PER_DAY)));

/** Negative, zero or positive as `a` is before, on or after `b`; throws on a malformed date. */
export const compareDates = (a: LocalDate, b: LocalDate): number => {
  const left = dayNumber(civilOrThrow(a));
  const right = dayNumber(civilOrThrow(b));
  return left - right;
};

export const addDays = (date: LocalDate, days: number): LocalDate => format(civilOf(dayNumber(civilOrThrow(date)) + days));

/**
 * Calendar months, with the day clamped to the target month's length, as shelf lives are
 * counted: 2024-01-31 plus one month is 2024-02-29, not a day in March.
 */
export const addMonths = (date: LocalDate, months: number): LocalDate => {
  const { year, month, day } = civilOrThrow(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12 + 1;
  return format({ year: targetYear, month: targetMonth, day: Math.min(day, daysInMonth(targetYear, targetMonth)) });
};

export const endOfMonth = (date: LocalDate): LocalDate => {
  const { year, month } = civilOrThrow(date);
  return format({ year, month, day: daysInMonth(year, month) });
};

export const startOfMonth = (date: LocalDate): LocalDate => {
  const { year, month } = civilOrThrow(date);
  return format({ year, month, day: 1 });
};

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: LocalDate, to: LocalDate): number => dayNumber(civilOrThrow(to)) - dayNumber(civilOrThrow(from));
