import { birthDateOf, type ResidentId, sexOf } from '@vaxledger/domain';

/**
 * The birth date and sex a GB 11643 number states (the domain's own reading), for test doses
 * whose typed details must agree with the number (PERSON_DETAILS_MISMATCH otherwise).
 */
export const detailsOf = (idNumber: string): { birthDate: string; sex: 'M' | 'F' } => ({
  birthDate: birthDateOf(idNumber as ResidentId),
  sex: sexOf(idNumber as ResidentId),
});
