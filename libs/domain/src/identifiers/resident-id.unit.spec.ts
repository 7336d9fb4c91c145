import fc from 'fast-check';
import { ID_NUMBER_ONLY_PREFIXES, PROVINCE_PREFIXES } from './region-code';
import { type ResidentId, birthDateOf, parseResidentId, residentIdCheckChar, sexOf, upgradeLegacyResidentId } from './resident-id';

const TODAY = '2026-06-30';
const KNOWN_PREFIXES = [...Object.keys(PROVINCE_PREFIXES), ...Object.keys(ID_NUMBER_ONLY_PREFIXES)];

const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length });

/** A real calendar day in [from, to], as `YYYYMMDD`. */
const birthDay = (from: string, to: string) =>
  fc
    .date({ min: new Date(`${from}T00:00:00Z`), max: new Date(`${to}T00:00:00Z`), noInvalidDate: true })
    .map((date) => date.toISOString().slice(0, 10).replace(/-/g, ''));

/** Known region prefix + any place digits + a real birth day up to TODAY + sequence + check. */
const validResidentId = () =>
  fc
    .tuple(fc.constantFrom(...KNOWN_PREFIXES), digits(4), birthDay('1900-01-01', TODAY), digits(3))
    .map(([prefix, place, born, sequence]) => {
      const body = `${prefix}${place}${born}${sequence}`;
      return body + residentIdCheckChar(body);
    });

describe('parseResidentId', () => {
  it.each([
    '11010519491231002X',
    '51010420230115123X',
    '510104202301151248',
    '310115198507062825',
    '510104199003071237',
    '440305202101154566',
  ])('accepts %s', (id) => {
    expect(parseResidentId(id, TODAY)).toEqual({ ok: true, value: id });
  });

  it('accepts a lower-case x and the usual noise', () => {
    expect(parseResidentId(' 510104 20230115 123x ', TODAY)).toEqual({
      ok: true,
      value: '51010420230115123X',
    });
    expect(parseResidentId('510104-20230115-123X', TODAY)).toEqual({ ok: true, value: '51010420230115123X' });
  });

  it.each([
    ['510104202301151230', 'INVALID_CHECK_CHARACTER'], // check must be X
    ['440306200102291236', 'INVALID_BIRTH_DATE'], // 2001-02-29 never existed
    ['440524188001010014', 'BIRTH_DATE_TOO_EARLY'], // born 1880
    ['510104209901011232', 'BIRTH_DATE_IN_FUTURE'],
    ['991010202301151231', 'UNKNOWN_REGION'],
    ['51010420230115123', 'INVALID_LENGTH'], // 17 characters
    ['11010519491231002', 'INVALID_LENGTH'],
    ['110105491231002', 'INVALID_LENGTH'], // legacy: upgrade first
    ['', 'INVALID_LENGTH'],
    ['5101042023011512X3', 'INVALID_CHARACTERS'],
    ['51010420230115123Y', 'INVALID_CHARACTERS'],
    ['510104202313151230', 'INVALID_BIRTH_DATE'], // month 13
    ['510104202300151230', 'INVALID_BIRTH_DATE'], // month 0
    ['510104202304311230', 'INVALID_BIRTH_DATE'], // 31 April
  ])('refuses %s with %s', (id, reason) => {
    expect(parseResidentId(id, TODAY)).toEqual({ ok: false, reason });
  });

  it('rejects any 17-character value', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789X'), minLength: 17, maxLength: 17 }), (id) => {
        expect(parseResidentId(id, TODAY)).toEqual({ ok: false, reason: 'INVALID_LENGTH' });
      }),
    );
  });

  it('accepts a birth on 1900-01-01, on today, and 2000-02-29', () => {
    const withBirth = (born: string) => {
      const body = `510104${born}123`;
      return body + residentIdCheckChar(body);
    };
    expect(parseResidentId(withBirth('19000101'), TODAY).ok).toBe(true);
    expect(parseResidentId(withBirth('20260630'), TODAY).ok).toBe(true);
    expect(parseResidentId(withBirth('20000229'), TODAY).ok).toBe(true);
    expect(parseResidentId(withBirth('20260701'), TODAY)).toEqual({
      ok: false,
      reason: 'BIRTH_DATE_IN_FUTURE',
    });
    expect(parseResidentId(withBirth('18991231'), TODAY)).toEqual({
      ok: false,
      reason: 'BIRTH_DATE_TOO_EARLY',
    });
    expect(parseResidentId(withBirth('19000229'), TODAY)).toEqual({
      ok: false,
      reason: 'INVALID_BIRTH_DATE',
    });
  });

  it('takes today as given, so the same ID can be future on one day and valid on the next', () => {
    expect(parseResidentId('510104209901011232', '2099-01-01').ok).toBe(true);
  });

  it('refuses a malformed today as a programming error', () => {
    expect(() => parseResidentId('510104202301151248', '20260630')).toThrow(RangeError);
  });

  it('accepts every generated valid resident ID', () => {
    fc.assert(
      fc.property(validResidentId(), (id) => {
        expect(parseResidentId(id, TODAY)).toEqual({ ok: true, value: id });
      }),
    );
  });

  // MOD 11-2 weights are non-zero mod 11 and a digit changes by 1–9, so the weighted sum always
  // moves; a changed check character no longer matches the body.
  it('rejects any one-digit change to a valid resident ID', () => {
    fc.assert(
      fc.property(validResidentId(), fc.nat(17), fc.integer({ min: 1, max: 9 }), (id, at, step) => {
        const current = id.charAt(at);
        const next = current === 'X' ? String(step) : String((Number(current) + step) % 10);
        const changed = id.slice(0, at) + next + id.slice(at + 1);
        expect(parseResidentId(changed, TODAY).ok).toBe(false);
      }),
    );
  });
});

describe('residentIdCheckChar', () => {
  it.each([
    ['11010519491231002', 'X'],
    ['51010420230115124', '8'],
    ['31011519850706282', '5'],
  ])('of %s is %s', (body, check) => {
    expect(residentIdCheckChar(body)).toBe(check);
  });

  it('refuses a body that is not 17 digits', () => {
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => residentIdCheckChar('1101051949123100X')).toThrow(RangeError);
  });
});

describe('upgradeLegacyResidentId', () => {
  it('inserts the century and appends the check character', () => {
    expect(upgradeLegacyResidentId('110105491231002')).toEqual({ ok: true, value: '11010519491231002X' });
  });

  it.each([
    ['11010549123100', 'INVALID_LENGTH'],
    ['11010519491231002X', 'INVALID_LENGTH'],
    ['11010549123100X', 'INVALID_CHARACTERS'],
  ])('refuses %s with %s', (raw, reason) => {
    expect(upgradeLegacyResidentId(raw)).toEqual({ ok: false, reason });
  });

  it('turns every valid legacy number into a valid resident ID', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KNOWN_PREFIXES),
        digits(4),
        birthDay('1900-01-01', '1999-12-31'),
        digits(3),
        (prefix, place, born, sequence) => {
          const upgraded = upgradeLegacyResidentId(`${prefix}${place}${born.slice(2)}${sequence}`);
          expect(upgraded.ok && parseResidentId(upgraded.value, TODAY).ok).toBe(true);
        },
      ),
    );
  });
});

describe('birthDateOf and sexOf', () => {
  it.each([
    ['51010420230115123X', '2023-01-15', 'M'],
    ['510104202301151248', '2023-01-15', 'F'],
    ['310115198507062825', '1985-07-06', 'F'],
    ['11010519491231002X', '1949-12-31', 'F'],
    ['510104199003071237', '1990-03-07', 'M'],
  ])('read %s as born %s, sex %s', (id, born, sex) => {
    expect(birthDateOf(id as ResidentId)).toBe(born);
    expect(sexOf(id as ResidentId)).toBe(sex);
  });
});
