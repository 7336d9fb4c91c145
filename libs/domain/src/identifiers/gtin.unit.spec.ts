import fc from 'fast-check';
import { gtinCheckDigit, parseGtin } from './gtin';

const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });

/** Any valid GTIN-14: a random body plus its computed check digit. */
const validGtin14 = () => digits(13).map((body) => `${body}${gtinCheckDigit(body)}`);

describe('parseGtin', () => {
  it.each([
    ['10614141073464', '10614141073464'],
    ['06901234567892', '06901234567892'],
    ['16901234560012', '16901234560012'],
    ['6901234567892', '06901234567892'], // GTIN-13 (EAN-13)
    ['614141073467', '00614141073467'], // GTIN-12 (UPC-A)
    ['96385074', '00000096385074'], // GTIN-8
    [' 0690-1234 567892\u001d', '06901234567892'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseGtin(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['06901234567893', 'INVALID_CHECK_DIGIT'],
    ['6901234567893', 'INVALID_CHECK_DIGIT'],
    ['0690123456789', 'INVALID_CHECK_DIGIT'],
    ['069012345678920', 'INVALID_LENGTH'],
    ['0690123456', 'INVALID_LENGTH'],
    ['', 'INVALID_LENGTH'],
    ['0690123456789A', 'INVALID_CHARACTERS'],
  ])('refuses %j with %s', (raw, reason) => {
    expect(parseGtin(raw)).toEqual({ ok: false, reason });
  });

  it('accepts every GTIN-14 built with its check digit', () => {
    fc.assert(
      fc.property(validGtin14(), (gtin) => {
        expect(parseGtin(gtin)).toEqual({ ok: true, value: gtin });
      }),
    );
  });

  // Weights 1 and 3 are both coprime with 10, so a change of one digit always moves the sum.
  it('refuses any one-digit change to a valid GTIN-14', () => {
    fc.assert(
      fc.property(validGtin14(), fc.nat(13), fc.integer({ min: 1, max: 9 }), (gtin, at, step) => {
        const changed = gtin.slice(0, at) + String((Number(gtin.charAt(at)) + step) % 10) + gtin.slice(at + 1);
        expect(parseGtin(changed)).toEqual({ ok: false, reason: 'INVALID_CHECK_DIGIT' });
      }),
    );
  });
});

describe('gtinCheckDigit', () => {
  it.each([
    ['1061414107346', 4],
    ['0690123456789', 2],
    ['1690123456001', 2],
    ['9638507', 4],
  ])('of %s is %i', (body, check) => {
    expect(gtinCheckDigit(body)).toBe(check);
  });

  it('refuses a body that is not digits', () => {
    expect(() => gtinCheckDigit('06901234A6789')).toThrow(RangeError);
    expect(() => gtinCheckDigit('')).toThrow(RangeError);
  });
});
