import {
  detailsContradicting,
  type IdType,
  localDateOf,
  normalisePersonIdentifier,
  type PersonIdentifierReason,
  pseudonymInput,
  RuleViolation,
} from '@vaxledger/domain';
import { personPseudonym } from '@vaxledger/privacy';

export interface IdentityDocument {
  readonly idType: IdType;
  readonly idNumber: string;
  readonly issuingState?: string | undefined;
}

/** What a dose form types beside the document; checked against what the number itself states. */
export interface TypedDetails {
  readonly birthDate: string;
  readonly sex: 'M' | 'F' | 'U';
}

const todayInChina = (): string => localDateOf(new Date().toISOString());

/** Each reason in words a clinic can act on (the code stays INVALID_PERSON_ID). */
const REASON_TEXT: Readonly<Record<PersonIdentifierReason, string>> = {
  INVALID_LENGTH: 'has the wrong number of characters',
  INVALID_CHARACTERS: 'has characters this document type never has',
  UNKNOWN_REGION: 'does not start with a region code this document type is issued under',
  INVALID_BIRTH_DATE: 'holds a birth date that is not a day on the calendar',
  BIRTH_DATE_TOO_EARLY: 'holds a birth date before 1900',
  BIRTH_DATE_IN_FUTURE: 'holds a birth date in the future',
  INVALID_CHECK_CHARACTER: 'has a wrong check character (last character): probably a typing error',
  UNKNOWN_ID_TYPE: 'has an unknown document type',
  INVALID_FORMAT: 'does not have the format of this document type',
  MISSING_ISSUING_STATE: 'needs the issuing state of the passport',
  INVALID_ISSUING_STATE: 'has an issuing state that is not an ISO 3166-1 alpha-3 code',
};

/**
 * Pseudonymise a presented identity document: the only place an ID number is handled. `at` is
 * where the document sits in the request body (`person.` in a dose, `` in a lookup), so a refusal
 * names the field the caller sent. With `typed` (a dose), a birth date or sex that contradicts
 * the number itself is refused: it would otherwise steer the age rules and overwrite the vault.
 */
export const pseudonymFor = (secret: string, person: IdentityDocument, at = 'person.', typed?: TypedDetails): string => {
  const normalised = normalisePersonIdentifier(
    { idType: person.idType, idNumber: person.idNumber, ...(person.issuingState ? { issuingState: person.issuingState } : {}) },
    todayInChina(),
  );
  if (!normalised.ok) {
    const { reason } = normalised;
    const field = reason === 'MISSING_ISSUING_STATE' || reason === 'INVALID_ISSUING_STATE' ? 'issuingState' : 'idNumber';
    throw new RuleViolation('INVALID_PERSON_ID', `the ${person.idType} number ${REASON_TEXT[reason]} (${reason})`, `${at}${field}`);
  }
  const contradicting = typed ? detailsContradicting(normalised.value, typed) : [];
  if (contradicting.length > 0) {
    // No dates in the text: a birth date is personal data, and the caller knows what it typed.
    const fields = contradicting.map((c) => (c.field === 'sex' ? 'sex' : 'birth date')).join(' and ');
    throw new RuleViolation(
      'PERSON_DETAILS_MISMATCH',
      `the ${fields} typed ${contradicting.length > 1 ? 'differ' : 'differs'} from what the ${person.idType} number states: check the document and the form`,
      `${at}${contradicting[0]!.field}`,
    );
  }
  return personPseudonym(secret, pseudonymInput(normalised.value));
};
