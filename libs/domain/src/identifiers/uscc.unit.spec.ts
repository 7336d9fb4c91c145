import fc from 'fast-check';
import { PROVINCE_PREFIXES } from './region-code';
import { USCC_ALPHABET, type SiteCode, orgCodeOfSite, parseOrgCode, parseSiteCode, usccCheckChar } from './uscc';

const alphabetChar = fc.constantFrom(...USCC_ALPHABET);

/** Any well-formed USCC: authority and category, a region under a known province, org code, check. */
const validUscc = () =>
  fc
    .tuple(
      fc.string({ unit: alphabetChar, minLength: 2, maxLength: 2 }),
      fc.constantFrom(...Object.keys(PROVINCE_PREFIXES)),
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 4, maxLength: 4 }),
      fc.string({ unit: alphabetChar, minLength: 9, maxLength: 9 }),
    )
    .map(([head, province, place, org]) => {
      const body = `${head}${province}${place}${org}`;
      return body + usccCheckChar(body);
    });

describe('parseOrgCode', () => {
  it.each([
    '91350100M000100Y43',
    '125100004507123479',
    '12110000450712347E',
    // API.md example bodies
    '91320000MA1X0Y2W3E',
    '12510000MB0A1234XJ',
    '12440300MB1B2345QN',
  ])('accepts %s', (code) => {
    expect(parseOrgCode(code)).toEqual({ ok: true, value: code });
  });

  it('normalises case, spaces and hyphens', () => {
    expect(parseOrgCode(' 9135 0100-m000100y43 ')).toEqual({ ok: true, value: '91350100M000100Y43' });
  });

  it.each([
    ['91350100M000100Y44', 'INVALID_CHECK_CHARACTER'],
    ['91350100M000100I43', 'INVALID_CHARACTERS'],
    ['91350100M000100O43', 'INVALID_CHARACTERS'],
    ['91350100M000100Y4', 'INVALID_LENGTH'],
    ['91350100M000100Y433', 'INVALID_LENGTH'],
    ['', 'INVALID_LENGTH'],
    ['91990100M000100Y4X', 'UNKNOWN_REGION'],
    ['91810000M000100Y4X', 'UNKNOWN_REGION'],
    ['9135A100M000100Y4X', 'UNKNOWN_REGION'],
  ])('refuses %s with %s', (code, reason) => {
    expect(parseOrgCode(code)).toEqual({ ok: false, reason });
  });

  it('accepts every code built with its check character', () => {
    fc.assert(
      fc.property(validUscc(), (code) => {
        expect(parseOrgCode(code)).toEqual({ ok: true, value: code });
      }),
    );
  });

  // 31 is prime and no weight (3^i mod 31) is 0, so weight × (new − old value) is never a
  // multiple of 31: every substitution by another alphabet character changes S mod 31 and with
  // it the check character. Characters outside the alphabet are refused before the check.
  it('refuses any single-character substitution in the first 17 characters', () => {
    fc.assert(
      fc.property(validUscc(), fc.nat(16), fc.integer({ min: 1, max: 30 }), (code, at, step) => {
        const value = USCC_ALPHABET.indexOf(code.charAt(at));
        const replacement = USCC_ALPHABET.charAt((value + step) % 31);
        const changed = code.slice(0, at) + replacement + code.slice(at + 1);
        expect(parseOrgCode(changed).ok).toBe(false);
      }),
    );
  });

  // The 17 weights are distinct powers of 3 (a primitive root mod 31), so swapping two different
  // characters changes S by (wᵢ − wⱼ)(a − b), never a multiple of 31.
  it('refuses any swap of two different characters among the first 17', () => {
    fc.assert(
      fc.property(validUscc(), fc.uniqueArray(fc.nat(16), { minLength: 2, maxLength: 2 }), (code, [i = 0, j = 1]) => {
        fc.pre(code.charAt(i) !== code.charAt(j));
        const chars = [...code];
        [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
        expect(parseOrgCode(chars.join('')).ok).toBe(false);
      }),
    );
  });
});

describe('usccCheckChar', () => {
  it.each([
    ['91350100M000100Y4', '3'],
    ['12510000450712347', '9'],
    ['12110000450712347', 'E'],
  ])('of %s is %s', (body, check) => {
    expect(usccCheckChar(body)).toBe(check);
  });

  it('refuses a body of the wrong length or outside the alphabet', () => {
    expect(() => usccCheckChar('91350100M000100Y')).toThrow(RangeError);
    expect(() => usccCheckChar('91350100M000100I4')).toThrow(RangeError);
  });
});

describe('parseSiteCode', () => {
  it.each([
    ['91350100M000100Y43', '91350100M000100Y43'],
    ['91350100M000100Y43-1', '91350100M000100Y43-1'],
    ['12510000MB0A1234XJ-ward3', '12510000MB0A1234XJ-WARD3'],
    [' 12510000MB0A1234XJ-12345678 ', '12510000MB0A1234XJ-12345678'],
    ['12510000MB0A1234XJ - B2', '12510000MB0A1234XJ-B2'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseSiteCode(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['12510000MB0A1234XJ-', 'INVALID_SITE_SUFFIX'],
    ['12510000MB0A1234XJ-123456789', 'INVALID_SITE_SUFFIX'],
    ['12510000MB0A1234XJ-A/1', 'INVALID_SITE_SUFFIX'],
    ['12510000MB0A1234XJ-A-1', 'INVALID_SITE_SUFFIX'],
    ['12510000MB0A1234XK-1', 'INVALID_CHECK_CHARACTER'],
    ['1251-0000MB0A1234XJ', 'INVALID_LENGTH'], // the hyphen is kept, so the code is cut short
    ['12510000MB0A1234XJ1', 'INVALID_LENGTH'],
  ])('refuses %j with %s', (raw, reason) => {
    expect(parseSiteCode(raw)).toEqual({ ok: false, reason });
  });

  it('names the organisation running the site', () => {
    expect(orgCodeOfSite('12510000MB0A1234XJ-B2' as SiteCode)).toBe('12510000MB0A1234XJ');
    expect(orgCodeOfSite('12510000MB0A1234XJ' as SiteCode)).toBe('12510000MB0A1234XJ');
  });
});
