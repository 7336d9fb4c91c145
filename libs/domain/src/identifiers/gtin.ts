import { type Branded, type ParseResult, fail, isDigits, normaliseIdentifier, ok } from './normalise';

/** A GS1 trade item number, always held in its 14-digit form. */
export type Gtin14 = Branded<string, 'Gtin14'>;

export type GtinReason = 'INVALID_LENGTH' | 'INVALID_CHARACTERS' | 'INVALID_CHECK_DIGIT';

/** GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) and GTIN-14 all widen to 14 digits. */
const GTIN_LENGTHS: ReadonlySet<number> = new Set([8, 12, 13, 14]);

/**
 * GS1 mod-10 check digit of a body (the digits before the check digit): weights 3, 1, 3, …
 * counted from the rightmost body digit; check = (10 − sum mod 10) mod 10. Left zero padding
 * does not change the result, so it serves every GTIN length.
 */
export const gtinCheckDigit = (body: string): number => {
  if (!isDigits(body)) throw new RangeError('a GTIN body is one or more ASCII digits');
  let sum = 0;
  for (let fromRight = 0; fromRight < body.length; fromRight += 1) {
    const digit = body.charCodeAt(body.length - 1 - fromRight) - 48;
    sum += digit * (fromRight % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
};

export const parseGtin = (raw: string): ParseResult<Gtin14, GtinReason> => {
  const text = normaliseIdentifier(raw);
  if (!GTIN_LENGTHS.has(text.length)) return fail('INVALID_LENGTH');
  if (!isDigits(text)) return fail('INVALID_CHARACTERS');
  const gtin = text.padStart(14, '0');
  const expected = gtinCheckDigit(gtin.slice(0, 13));
  return Number(gtin.charAt(13)) === expected ? ok(gtin as Gtin14) : fail('INVALID_CHECK_DIGIT');
};
