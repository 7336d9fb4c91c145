/**
 * The birth date and sex a GB 11643 number states (digits 7–14; the 17th odd for men), for test
 * doses whose typed details must agree with the number (PERSON_DETAILS_MISMATCH otherwise).
 */
export const detailsOf = (idNumber: string): { birthDate: string; sex: 'M' | 'F' } => ({
  birthDate: `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`,
  sex: Number(idNumber.charAt(16)) % 2 === 1 ? 'M' : 'F',
});
