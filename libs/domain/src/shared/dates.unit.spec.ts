import fc from 'fast-check';
import {
  addDays,
  addMonths,
  compareDates,
  compareInstants,
  daysBetween,
  endOfMonth,
  isInstant,
  isLaterThan,
  isLocalDate,
  localDateOf,
  parseInstant,
  startOfMonth,
} from './dates';

describe('calendar dates', () => {
  it.each(['2024-02-29', '2000-02-29', '1970-01-01', '2028-10-31'])('accepts %s', (date) => expect(isLocalDate(date)).toBe(true));
  it.each(['2023-02-29', '1900-02-29', '2024-13-01', '2024-04-31', '2024-4-1', '20240401', '', 'x'])('rejects %s', (date) =>
    expect(isLocalDate(date)).toBe(false),
  );

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-01-01', 366)).toBe('2025-01-01');
  });

  it('adds months, clamping to the last day of a shorter month', () => {
    expect(addMonths('2026-11-01', 24)).toBe('2028-11-01');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2023-01-31', 1)).toBe('2023-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2024-11-15', 2)).toBe('2025-01-15');
    expect(addMonths('2025-01-15', -13)).toBe('2023-12-15');
  });

  it('finds the first and last day of a month', () => {
    expect(endOfMonth('2024-02-10')).toBe('2024-02-29');
    expect(endOfMonth('2100-02-10')).toBe('2100-02-28');
    expect(endOfMonth('2024-04-01')).toBe('2024-04-30');
    expect(startOfMonth('2024-04-17')).toBe('2024-04-01');
  });

  it('counts days between dates, negative backwards', () => {
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(daysBetween('2023-01-01', '2023-03-01')).toBe(59);
    expect(daysBetween('2024-03-01', '2024-01-01')).toBe(-60);
    expect(compareDates('2024-01-02', '2024-01-10')).toBeLessThan(0);
    expect(compareDates('2024-01-10', '2024-01-10')).toBe(0);
  });

  it('throws on a malformed date instead of guessing', () => {
    expect(() => addDays('2024-02-30', 1)).toThrow(RangeError);
  });

  it('agrees with the round trip of adding and counting days', () =>
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), fc.integer({ min: -5000, max: 5000 }), (base, step) => {
        const start = addDays('2000-01-01', base);
        expect(isLocalDate(start)).toBe(true);
        expect(daysBetween(start, addDays(start, step))).toBe(step);
      }),
    ));
});

describe('instants', () => {
  it.each(['2026-11-10T09:00:00+08:00', '2026-11-10T01:00:00Z', '2026-11-10T01:00:00.123456-05:30'])('accepts %s', (instant) =>
    expect(isInstant(instant)).toBe(true),
  );

  it.each(['2026-11-10T09:00:00', '2026-11-10', '2026-11-10T24:00:00Z', '2026-02-30T09:00:00Z', '2026-11-10 09:00:00Z'])(
    'rejects %s (no offset, no time, or not a real time)',
    (instant) => expect(isInstant(instant)).toBe(false),
  );

  it('measures the same moment the same way in any offset', () => {
    expect(parseInstant('2026-11-10T09:00:00+08:00')).toBe(parseInstant('2026-11-10T01:00:00Z'));
    expect(parseInstant('1970-01-01T00:00:01.5Z')).toBe(1500);
    expect(compareInstants('2026-11-10T09:00:00+08:00', '2026-11-10T01:00:01Z')).toBeLessThan(0);
  });

  it('gives the wall-clock day in China time by default', () => {
    expect(localDateOf('2026-11-10T16:30:00Z')).toBe('2026-11-11'); // 00:30 in Beijing
    expect(localDateOf('2026-11-10T15:59:59Z')).toBe('2026-11-10');
    expect(localDateOf('2026-11-10T23:30:00+08:00')).toBe('2026-11-10');
    expect(localDateOf('2026-11-10T16:30:00Z', 0)).toBe('2026-11-10');
    expect(localDateOf('1969-12-31T23:00:00Z', 0)).toBe('1969-12-31');
  });

  it('tells whether an instant is beyond a tolerance', () => {
    const now = '2026-11-10T09:00:00+08:00';
    expect(isLaterThan('2026-11-10T09:05:00+08:00', now, 5)).toBe(false);
    expect(isLaterThan('2026-11-10T09:05:01+08:00', now, 5)).toBe(true);
    expect(isLaterThan('2026-11-10T01:00:01Z', now)).toBe(true);
  });

  it('throws on something that is not an instant', () => {
    expect(() => parseInstant('2026-11-10T09:00:00')).toThrow(RangeError);
  });
});
