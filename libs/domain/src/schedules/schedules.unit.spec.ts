import fc from 'fast-check';
import { doseRuleFor, isVaccineType, nextDue, SCHEDULES, SCHEDULES_VERSION, scheduleFor, VACCINE_TYPES } from './schedules';

describe('schedule value set', () => {
  it('is versioned', () => expect(SCHEDULES_VERSION).toMatch(/^\d{4}\.\d+$/));

  it.each([
    ['HepB', 3, 'NIP'],
    ['BCG', 1, 'NIP'],
    ['IPV', 2, 'NIP'],
    ['bOPV', 2, 'NIP'],
    ['DTaP', 4, 'NIP'],
    ['DT', 1, 'NIP'],
    ['MMR', 2, 'NIP'],
    ['JE-L', 2, 'NIP'],
    ['MPSV-A', 2, 'NIP'],
    ['MPSV-AC', 2, 'NIP'],
    ['HepA-L', 1, 'NIP'],
    ['Varicella', 2, 'nonNIP'],
    ['Rabies', 5, 'nonNIP'],
    ['Influenza', 1, 'nonNIP'],
    ['HPV', 3, 'nonNIP'],
    ['COVID-19', 2, 'nonNIP'],
    ['EV71', 2, 'nonNIP'],
  ])('has %s with %d doses (%s)', (vaccineType, doses, programme) =>
    expect(scheduleFor(vaccineType)).toMatchObject({ vaccineType, doses, programme }),
  );

  it('gives HepB at birth, one month and six months, 28 and 60 days apart', () =>
    expect(scheduleFor('HepB')?.rules).toEqual([
      { doseNumber: 1, minAgeDays: 0, minIntervalDays: null },
      { doseNumber: 2, minAgeDays: 30, minIntervalDays: 28 },
      { doseNumber: 3, minAgeDays: 180, minIntervalDays: 60 },
    ]));

  it('spaces rabies doses on days 0, 3, 7, 14 and 28', () =>
    expect(scheduleFor('Rabies')?.rules.map((rule) => rule.minIntervalDays)).toEqual([null, 3, 4, 7, 14]));

  it('knows only its own types', () => {
    expect(scheduleFor('Smallpox')).toBeUndefined();
    expect(isVaccineType('hepb')).toBe(false);
    expect(isVaccineType('MMR')).toBe(true);
    expect(doseRuleFor('HepB', 4)).toBeUndefined();
  });

  it('numbers every series from 1, with an interval for every later dose and no age going down', () =>
    fc.assert(
      fc.property(fc.constantFrom(...SCHEDULES), (schedule) => {
        expect(schedule.rules.map((rule) => rule.doseNumber)).toEqual(schedule.rules.map((_, i) => i + 1));
        expect(schedule.rules.length).toBe(schedule.doses);
        schedule.rules.forEach((rule, index) => {
          if (index === 0) expect(rule.minIntervalDays).toBeNull();
          else expect(rule.minIntervalDays).toBeGreaterThan(0);
          expect(rule.minAgeDays).toBeGreaterThanOrEqual(schedule.rules[index - 1]?.minAgeDays ?? 0);
        });
      }),
    ));

  it('lists each type once', () => expect(new Set(VACCINE_TYPES).size).toBe(VACCINE_TYPES.length));
});

describe('next dose due', () => {
  const hepB1 = { vaccineType: 'HepB', doseNumber: 1, administeredAt: '2026-01-15T10:00:00+08:00' };

  it('cannot date dose 1 without a birth date', () =>
    expect(nextDue('HepB', [])).toEqual({
      vaccineType: 'HepB',
      scheduleVersion: SCHEDULES_VERSION,
      dosesDone: 0,
      nextDoseNumber: 1,
      dueOn: null,
    }));

  it('dates dose 1 from the minimum age when the birth date is known', () =>
    expect(nextDue('MMR', [], '2026-01-01')?.dueOn).toBe('2026-08-29'));

  it('dates the next dose from the last one plus the minimum interval', () =>
    expect(nextDue('HepB', [hepB1])).toMatchObject({ dosesDone: 1, nextDoseNumber: 2, dueOn: '2026-02-12' }));

  it('counts the day in China time', () =>
    expect(nextDue('HepB', [{ ...hepB1, administeredAt: '2026-01-15T17:00:00Z' }])?.dueOn).toBe('2026-02-13'));

  it('takes the later of interval and age', () =>
    expect(nextDue('HepB', [{ ...hepB1, administeredAt: '2026-01-01T10:00:00+08:00' }], '2026-01-01')?.dueOn).toBe('2026-01-31'));

  it('ignores other vaccine types', () => expect(nextDue('HepB', [{ ...hepB1, vaccineType: 'BCG' }])?.nextDoseNumber).toBe(1));

  it('reports a complete series', () =>
    expect(nextDue('BCG', [{ vaccineType: 'BCG', doseNumber: 1, administeredAt: '2026-01-01T10:00:00+08:00' }])).toMatchObject({
      dosesDone: 1,
      nextDoseNumber: null,
      dueOn: null,
    }));

  it('is undefined for a type outside the value set', () => expect(nextDue('Smallpox', [])).toBeUndefined());
});
