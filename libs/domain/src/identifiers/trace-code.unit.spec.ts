import fc from 'fast-check';
import { type TraceCode, parseTraceCode, traceCodeProductPrefix } from './trace-code';

describe('parseTraceCode', () => {
  it.each([
    ['81234560000012345678', '81234560000012345678'],
    ['86963210000000000017', '86963210000000000017'],
    [' 8123456-0000012345678 ', '81234560000012345678'],
    ['8123456 0000 0123 45678\u001d', '81234560000012345678'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseTraceCode(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['19 digits', '8123456000001234567'],
    ['21 digits', '812345600000123456789'],
    ['a letter', '8123456000001234567A'],
    ['empty', ''],
    ['a slash', '8123456/000012345678'],
  ])('refuses %s', (_label, raw) => {
    expect(parseTraceCode(raw)).toEqual({ ok: false, reason: 'INVALID_TRACE_CODE' });
  });

  it('accepts every 20-digit string, whatever its issuer', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 20, maxLength: 20 }), (code) => {
        expect(parseTraceCode(code)).toEqual({ ok: true, value: code });
      }),
    );
  });
});

describe('traceCodeProductPrefix', () => {
  it('is the 7-digit drug identification code', () => {
    const parsed = parseTraceCode('81234560000012345678');
    expect(parsed.ok && traceCodeProductPrefix(parsed.value)).toBe('8123456');
    expect(traceCodeProductPrefix('86963210000000000017' as TraceCode)).toBe('8696321');
  });
});
