import fc from 'fast-check';
import { GS1_GROUP_SEPARATOR, fail, normaliseIdentifier, ok } from './normalise';

/** Text shaped like what scanners and keyboards send: identifier characters plus the noise. */
const noisyText = fc.string({
  unit: fc.constantFrom('0', '7', 'a', 'X', 'z', ' ', '\t', '\u3000', '-', '/', GS1_GROUP_SEPARATOR),
  maxLength: 30,
});

describe('normaliseIdentifier', () => {
  it.each([
    ['  0690 1234-5678 92\n', '06901234567892'],
    [`01${GS1_GROUP_SEPARATOR}0690`, '010690'],
    ['91350100m000100y43', '91350100M000100Y43'],
    ['\u30005101\u300004', '510104'],
    ['', ''],
  ])('reduces %j to %j', (raw, expected) => {
    expect(normaliseIdentifier(raw)).toBe(expected);
  });

  it('keeps hyphens when asked', () => {
    expect(normaliseIdentifier(' 91350100m000100y43 - a1 ', { keepHyphens: true })).toBe('91350100M000100Y43-A1');
  });

  it('is idempotent on identifier-like text', () => {
    fc.assert(
      fc.property(noisyText, fc.boolean(), (raw, keepHyphens) => {
        const once = normaliseIdentifier(raw, { keepHyphens });
        expect(normaliseIdentifier(once, { keepHyphens })).toBe(once);
      }),
    );
  });

  it('is idempotent on any Unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (raw, keepHyphens) => {
        const once = normaliseIdentifier(raw, { keepHyphens });
        expect(normaliseIdentifier(once, { keepHyphens })).toBe(once);
      }),
    );
  });

  it('leaves no whitespace, group separator or (unless kept) hyphen behind', () => {
    fc.assert(
      fc.property(noisyText, (raw) => {
        expect(normaliseIdentifier(raw)).not.toMatch(/[\s\u001d-]/u);
      }),
    );
  });
});

describe('result helpers', () => {
  it('build the two result shapes', () => {
    expect(ok('A')).toEqual({ ok: true, value: 'A' });
    expect(fail('INVALID_LENGTH')).toEqual({ ok: false, reason: 'INVALID_LENGTH' });
  });
});
