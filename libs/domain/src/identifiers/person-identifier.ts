import { type Branded, type ParseResult, fail, normaliseIdentifier, ok } from './normalise';
import {
  birthDateOf,
  parseGb11643Number,
  parseResidentId,
  type ResidentId,
  type ResidentIdReason,
  sexOf,
  upgradeLegacyResidentId,
} from './resident-id';

/** The API's `idType` values. */
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
export type IdType = (typeof ID_TYPES)[number];

/** The short codes of DOMAIN.md §2; they, not the API names, enter the pseudonym. */
export const ID_TYPE_CODE = {
  RESIDENT_ID: 'RIC',
  RESIDENCE_PERMIT_HMT: 'RPH',
  FOREIGN_PERMANENT_RESIDENT: 'FPR',
  PASSPORT: 'PPT',
  TRAVEL_PERMIT_HMT: 'HMT',
  BIRTH_CERTIFICATE: 'BMC',
  VACCINATION_CERTIFICATE: 'VCC',
  OTHER: 'OTH',
} as const satisfies Readonly<Record<IdType, string>>;
export type IdTypeCode = (typeof ID_TYPE_CODE)[IdType];

/** Every document type except passports is issued by China. */
export const CHINA_ISSUER = 'CHN';

export interface PersonIdentifierInput {
  readonly idType: string;
  readonly idNumber: string;
  /** ISO 3166-1 alpha-3; required for passports, ignored for the other types. */
  readonly issuingState?: string | undefined;
}

/** A person's document in the one spelling every province uses to derive the pseudonym. */
export type NormalisedPersonIdentifier = Branded<
  Readonly<{ idType: IdType; code: IdTypeCode; issuer: string; number: string }>,
  'NormalisedPersonIdentifier'
>;

export type PersonIdentifierReason =
  ResidentIdReason | 'UNKNOWN_ID_TYPE' | 'INVALID_FORMAT' | 'MISSING_ISSUING_STATE' | 'INVALID_ISSUING_STATE';

type NumberResult = ParseResult<string, PersonIdentifierReason>;

const PATTERNS = {
  PASSPORT: /^[0-9A-Z]{5,20}$/,
  TRAVEL_PERMIT_HMT: /^[0-9A-Z]{8,11}$/,
  BIRTH_CERTIFICATE: /^[A-Z][0-9]{9}$/,
  VACCINATION_CERTIFICATE: /^[0-9A-Z]{6,20}$/,
  // Letters, marks, digits, punctuation and symbols in any script: other documents (military
  // officer cards, for one) print Chinese characters in their numbers.
  OTHER: /^[\p{L}\p{M}\p{N}\p{P}\p{S}]{1,40}$/u,
  FOREIGN_PERMANENT_RESIDENT_2017: /^[A-Z]{3}[0-9]{12}$/,
} as const;

const ISO_ALPHA_3 = /^[A-Z]{3}$/;

const byPattern = (pattern: RegExp, number: string): NumberResult => (pattern.test(number) ? ok(number) : fail('INVALID_FORMAT'));

const isIdType = (value: string): value is IdType => (ID_TYPES as readonly string[]).includes(value);

/** First-generation 15-digit cards are upgraded, so both cards of one person give one pseudonym. */
const residentIdNumber = (raw: string, today: string): NumberResult => {
  const text = normaliseIdentifier(raw);
  const upgraded = /^[0-9]{15}$/.test(text) ? upgradeLegacyResidentId(text) : ok(text);
  return upgraded.ok ? parseResidentId(upgraded.value, today) : upgraded;
};

const foreignPermanentResidentNumber = (raw: string, today: string): NumberResult => {
  const text = normaliseIdentifier(raw);
  // The 2023 card follows the resident ID layout with a leading 9; the 2017 card does not.
  if (text.length === 18) return parseGb11643Number(text, today, (id) => id.startsWith('9'));
  if (text.length === 15) return byPattern(PATTERNS.FOREIGN_PERMANENT_RESIDENT_2017, text);
  return fail('INVALID_LENGTH');
};

const numberFor = (idType: IdType, raw: string, today: string): NumberResult => {
  switch (idType) {
    case 'RESIDENT_ID':
      return residentIdNumber(raw, today);
    case 'RESIDENCE_PERMIT_HMT':
      return parseGb11643Number(raw, today, (id) => ['81', '82', '83'].includes(id.slice(0, 2)));
    case 'FOREIGN_PERMANENT_RESIDENT':
      return foreignPermanentResidentNumber(raw, today);
    case 'PASSPORT':
    case 'TRAVEL_PERMIT_HMT':
    case 'BIRTH_CERTIFICATE':
    case 'VACCINATION_CERTIFICATE':
    case 'OTHER':
      return byPattern(PATTERNS[idType], normaliseIdentifier(raw));
  }
};

const issuerFor = (idType: IdType, issuingState: string | undefined): NumberResult => {
  if (idType !== 'PASSPORT') return ok(CHINA_ISSUER);
  if (issuingState === undefined || issuingState.trim() === '') return fail('MISSING_ISSUING_STATE');
  const state = issuingState.trim().toUpperCase();
  return ISO_ALPHA_3.test(state) ? ok(state) : fail('INVALID_ISSUING_STATE');
};

/**
 * Checks and canonicalises a presented document. `today` (`YYYY-MM-DD`, site time) bounds the
 * birth dates inside GB 11643-style numbers. The checks are loose by design: a refusal here
 * should send the user to `OTHER`, never block a dose on a format guess.
 */
export const normalisePersonIdentifier = (
  input: PersonIdentifierInput,
  today: string,
): ParseResult<NormalisedPersonIdentifier, PersonIdentifierReason> => {
  // An enum value from the API, not a scanned code: matched exactly, never normalised.
  const { idType } = input;
  if (!isIdType(idType)) return fail('UNKNOWN_ID_TYPE');
  const number = numberFor(idType, input.idNumber, today);
  if (!number.ok) return number;
  const issuer = issuerFor(idType, input.issuingState);
  if (!issuer.ok) return issuer;
  const normalised = { idType, code: ID_TYPE_CODE[idType], issuer: issuer.value, number: number.value };
  return ok(normalised as NormalisedPersonIdentifier);
};

/** The exact text the pseudonym HMAC is computed over (DOMAIN.md §5); changing it re-keys everyone. */
export const pseudonymInput = (identifier: NormalisedPersonIdentifier): string =>
  `v1|${identifier.code}|${identifier.issuer}|${identifier.number}`;

/**
 * The birth date and sex a document number itself states, where its layout has them: resident
 * IDs and the Hong Kong, Macao and Taiwan residence permits (GB 11643: digits 7–14, the 17th odd
 * for men). Other documents state neither, and the foreign permanent resident card's layout is
 * not relied on here. A dose whose typed details disagree with these is refused, so age rules
 * and the vault's details cannot drift from the document.
 */
export const documentedDetailsOf = (identifier: NormalisedPersonIdentifier): { birthDate: string; sex: 'M' | 'F' } | null => {
  if (identifier.code !== 'RIC' && identifier.code !== 'RPH') return null;
  const number = identifier.number as ResidentId;
  return { birthDate: birthDateOf(number), sex: sexOf(number) };
};

/** Which of the typed details contradict the document (`U`, sex unknown, contradicts nothing). */
export const detailsContradicting = (
  identifier: NormalisedPersonIdentifier,
  typed: { readonly birthDate: string; readonly sex: 'M' | 'F' | 'U' },
): { field: 'birthDate' | 'sex'; typed: string; documented: string }[] => {
  const documented = documentedDetailsOf(identifier);
  if (!documented) return [];
  const found: { field: 'birthDate' | 'sex'; typed: string; documented: string }[] = [];
  if (typed.birthDate !== documented.birthDate)
    found.push({ field: 'birthDate', typed: typed.birthDate, documented: documented.birthDate });
  if (typed.sex !== 'U' && typed.sex !== documented.sex) found.push({ field: 'sex', typed: typed.sex, documented: documented.sex });
  return found;
};
