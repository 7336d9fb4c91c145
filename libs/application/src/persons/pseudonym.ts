import { type IdType, localDateOf, normalisePersonIdentifier, pseudonymInput, RuleViolation } from '@vaxledger/domain';
import { personPseudonym } from '@vaxledger/privacy';

export interface IdentityDocument {
  readonly idType: IdType;
  readonly idNumber: string;
  readonly issuingState?: string | undefined;
}

const todayInChina = (): string => localDateOf(new Date().toISOString());

/** Pseudonymise a presented identity document: the only place an ID number is handled. */
export const pseudonymFor = (secret: string, person: IdentityDocument): string => {
  const normalised = normalisePersonIdentifier(
    { idType: person.idType, idNumber: person.idNumber, ...(person.issuingState ? { issuingState: person.issuingState } : {}) },
    todayInChina(),
  );
  if (!normalised.ok)
    throw new RuleViolation(
      'INVALID_PERSON_ID',
      `person.idNumber is not a valid ${person.idType} (${normalised.reason})`,
      'person.idNumber',
    );
  return personPseudonym(secret, pseudonymInput(normalised.value));
};
