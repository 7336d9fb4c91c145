import { addDays, compareDates, compareInstants, localDateOf, type Instant, type LocalDate } from '../shared/dates';

/**
 * The hub's immunisation schedule value set: per vaccine type, how many doses make the
 * series and, per dose, the minimum age and the minimum interval after the previous dose.
 * Dose checks (DUPLICATE_DOSE_NUMBER, INTERVAL_TOO_SHORT) and "next due" read it.
 *
 * Programme types follow China's national immunisation programme schedule for children,
 * 2021 edition (国家免疫规划疫苗儿童免疫程序及说明（2021年版）); the others follow common
 * package-insert schedules. Ages there are given in months and years; they are stored here
 * as days with a 30-day month and a 365-day year, which is an approximation [verify] before
 * using minimum ages for anything stricter than a "due from" date.
 *
 * Any change to a number is a new SCHEDULES_VERSION: every node must apply the same set.
 */
export const SCHEDULES_VERSION = '2021.1';

const MONTH = 30;
const YEAR = 365;

export interface DoseRule {
  /** 1-based position in the series. */
  readonly doseNumber: number;
  /** Earliest age for this dose, in days from birth. */
  readonly minAgeDays: number;
  /** Fewest days after the previous dose of the same type; null for dose 1. */
  readonly minIntervalDays: number | null;
}

export interface VaccineSchedule {
  readonly vaccineType: string;
  readonly name: string;
  readonly programme: 'NIP' | 'nonNIP';
  /** Doses that complete the primary series. */
  readonly doses: number;
  readonly rules: readonly DoseRule[];
}

type Row = readonly [minAgeDays: number, minIntervalDays: number | null];

const series = <T extends string>(
  vaccineType: T,
  name: string,
  programme: 'NIP' | 'nonNIP',
  rows: readonly Row[],
): VaccineSchedule & { readonly vaccineType: T } => ({
  vaccineType,
  name,
  programme,
  doses: rows.length,
  rules: rows.map(([minAgeDays, minIntervalDays], index) => ({
    doseNumber: index + 1,
    minAgeDays,
    minIntervalDays: index === 0 ? null : minIntervalDays,
  })),
});

export const SCHEDULES = [
  // National immunisation programme (NIP)
  series('HepB', 'Hepatitis B', 'NIP', [
    [0, null], // within 24 h of birth
    [1 * MONTH, 28],
    [6 * MONTH, 60],
  ]),
  series('BCG', 'Bacillus Calmette-Guérin', 'NIP', [[0, null]]),
  series('IPV', 'Inactivated poliovirus', 'NIP', [
    [2 * MONTH, null],
    [3 * MONTH, 28],
  ]),
  series('bOPV', 'Bivalent oral poliovirus (types 1 and 3)', 'NIP', [
    [4 * MONTH, null],
    [4 * YEAR, 28], // [verify] catch-up interval between the two bOPV doses
  ]),
  series('DTaP', 'Diphtheria, tetanus and acellular pertussis', 'NIP', [
    [3 * MONTH, null],
    [4 * MONTH, 28],
    [5 * MONTH, 28],
    [18 * MONTH, 6 * MONTH], // ≥ 6 months after dose 3 [verify] (stored as 180 days)
  ]),
  series('DT', 'Diphtheria and tetanus (paediatric booster)', 'NIP', [[6 * YEAR, null]]),
  series('MMR', 'Measles, mumps and rubella', 'NIP', [
    [8 * MONTH, null],
    [18 * MONTH, 28],
  ]),
  series('JE-L', 'Japanese encephalitis, live attenuated', 'NIP', [
    [8 * MONTH, null],
    [2 * YEAR, 12 * MONTH], // ≥ 12 months in catch-up [verify] (stored as 360 days)
  ]),
  series('MPSV-A', 'Meningococcal polysaccharide, group A', 'NIP', [
    [6 * MONTH, null],
    [9 * MONTH, 3 * MONTH], // ≥ 3 months (stored as 90 days)
  ]),
  series('MPSV-AC', 'Meningococcal polysaccharide, groups A and C', 'NIP', [
    // Dose 1 also needs ≥ 12 months after MPSV-A dose 2: a cross-type rule, not modelled here.
    [3 * YEAR, null],
    [6 * YEAR, 3 * YEAR], // ≥ 3 years (stored as 1095 days)
  ]),
  series('HepA-L', 'Hepatitis A, live attenuated', 'NIP', [[18 * MONTH, null]]),

  // Outside the programme (self-paid)
  series('Varicella', 'Varicella', 'nonNIP', [
    [12 * MONTH, null],
    [4 * YEAR, 3 * MONTH], // [verify] minimum interval for children
  ]),
  series('Rabies', 'Rabies post-exposure, 5-dose (Essen) regimen', 'nonNIP', [
    [0, null], // day 0
    [0, 3], // day 3
    [0, 4], // day 7
    [0, 7], // day 14
    [0, 14], // day 28
  ]),
  // Annual: a new season's dose is recorded as the next number and carries no interval rule.
  series('Influenza', 'Seasonal influenza', 'nonNIP', [[6 * MONTH, null]]),
  series('HPV', 'Human papillomavirus (3-dose schedule)', 'nonNIP', [
    [9 * YEAR, null],
    [9 * YEAR, 28], // [verify] product-specific (bivalent vs quadrivalent/nonavalent)
    [9 * YEAR, 84], // ≥ 12 weeks after dose 2 [verify]
  ]),
  series('COVID-19', 'COVID-19, inactivated (2-dose primary series)', 'nonNIP', [
    [3 * YEAR, null], // [verify] minimum age
    [3 * YEAR, 21], // [verify] 3 weeks minimum, 3–8 weeks recommended
  ]),
  series('EV71', 'Enterovirus 71, inactivated', 'nonNIP', [
    [6 * MONTH, null],
    [6 * MONTH, 28],
  ]),
] as const;

export type VaccineType = (typeof SCHEDULES)[number]['vaccineType'];

export const VACCINE_TYPES: readonly string[] = SCHEDULES.map((schedule) => schedule.vaccineType);

const BY_TYPE: ReadonlyMap<string, VaccineSchedule> = new Map(SCHEDULES.map((s) => [s.vaccineType, s]));

export const isVaccineType = (value: string): value is VaccineType => BY_TYPE.has(value);

export const scheduleFor = (vaccineType: string): VaccineSchedule | undefined => BY_TYPE.get(vaccineType);

/** The rule for one dose number, or undefined beyond the series (boosters, annual repeats). */
export const doseRuleFor = (vaccineType: string, doseNumber: number): DoseRule | undefined =>
  scheduleFor(vaccineType)?.rules.find((rule) => rule.doseNumber === doseNumber);

/** A valid (not voided) dose as far as the schedule is concerned. */
export interface ScheduledDose {
  readonly vaccineType: string;
  readonly doseNumber: number;
  readonly administeredAt: Instant;
}

export interface SeriesStatus {
  readonly vaccineType: string;
  readonly scheduleVersion: string;
  /** Distinct dose numbers of the series on file. */
  readonly dosesDone: number;
  /** Null once the series is complete. */
  readonly nextDoseNumber: number | null;
  /**
   * Earliest day the next dose may be given: the last dose plus the minimum interval and,
   * when the birth date is known (only where the vault is local), birth plus the minimum
   * age. Null when complete, or for dose 1 without a birth date.
   */
  readonly dueOn: LocalDate | null;
}

/**
 * Next dose and its due date for one vaccine type, from a person's valid doses (any type:
 * others are ignored). Returns undefined for a type outside the value set.
 */
export const nextDue = (vaccineType: string, doses: readonly ScheduledDose[], birthDate?: LocalDate): SeriesStatus | undefined => {
  const schedule = scheduleFor(vaccineType);
  if (!schedule) return undefined;
  const own = doses.filter((dose) => dose.vaccineType === vaccineType);
  const highest = own.reduce((max, dose) => Math.max(max, dose.doseNumber), 0);
  const dosesDone = new Set(own.map((dose) => dose.doseNumber).filter((n) => n >= 1 && n <= schedule.doses)).size;
  const base = { vaccineType, scheduleVersion: SCHEDULES_VERSION, dosesDone };
  const nextDoseNumber = highest + 1;
  const rule = schedule.rules[nextDoseNumber - 1];
  if (!rule) return { ...base, nextDoseNumber: null, dueOn: null };

  const candidates: LocalDate[] = [];
  const last = own.filter((dose) => dose.doseNumber === highest).sort((a, b) => compareInstants(b.administeredAt, a.administeredAt))[0];
  if (last) candidates.push(addDays(localDateOf(last.administeredAt), rule.minIntervalDays ?? 0));
  if (birthDate !== undefined) candidates.push(addDays(birthDate, rule.minAgeDays));
  const dueOn = candidates.sort(compareDates).at(-1) ?? null;
  return { ...base, nextDoseNumber, dueOn };
};
