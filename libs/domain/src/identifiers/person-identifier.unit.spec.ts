import {
  detailsContradicting,
  documentedDetailsOf,
  ID_TYPES,
  ID_TYPE_CODE,
  type PersonIdentifierInput,
  normalisePersonIdentifier,
  pseudonymInput,
} from './person-identifier';
import { residentIdCheckChar } from './resident-id';

const TODAY = '2026-06-30';

const withCheck = (body: string) => body + residentIdCheckChar(body);

const normalised = (input: PersonIdentifierInput) => {
  const result = normalisePersonIdentifier(input, TODAY);
  if (!result.ok) throw new Error(`expected a valid identifier, got ${result.reason}`);
  return result.value;
};

describe('ID types', () => {
  it('map every API idType to its DOMAIN.md code', () => {
    expect(ID_TYPES.map((type) => ID_TYPE_CODE[type])).toEqual(['RIC', 'RPH', 'FPR', 'PPT', 'HMT', 'BMC', 'VCC', 'OTH']);
  });
});

describe('normalisePersonIdentifier', () => {
  it.each<[PersonIdentifierInput, string, string, string]>([
    [{ idType: 'RESIDENT_ID', idNumber: '51010420230115123x' }, 'RIC', 'CHN', '51010420230115123X'],
    [{ idType: 'RESIDENT_ID', idNumber: '510104199003071237' }, 'RIC', 'CHN', '510104199003071237'],
    [{ idType: 'RESIDENT_ID', idNumber: '110105491231002' }, 'RIC', 'CHN', '11010519491231002X'],
    [{ idType: 'RESIDENT_ID', idNumber: withCheck('81000019900101123') }, 'RIC', 'CHN', withCheck('81000019900101123')],
    [{ idType: 'RESIDENCE_PERMIT_HMT', idNumber: withCheck('81000019900101123') }, 'RPH', 'CHN', withCheck('81000019900101123')],
    [{ idType: 'RESIDENCE_PERMIT_HMT', idNumber: withCheck('83000020050505002') }, 'RPH', 'CHN', withCheck('83000020050505002')],
    [{ idType: 'FOREIGN_PERMANENT_RESIDENT', idNumber: withCheck('93115619851020001') }, 'FPR', 'CHN', withCheck('93115619851020001')],
    [{ idType: 'FOREIGN_PERMANENT_RESIDENT', idNumber: 'usa110085102001' }, 'FPR', 'CHN', 'USA110085102001'],
    [{ idType: 'PASSPORT', idNumber: 'E12345678', issuingState: 'CHN' }, 'PPT', 'CHN', 'E12345678'],
    [{ idType: 'PASSPORT', idNumber: 'ea 1234567', issuingState: ' chn ' }, 'PPT', 'CHN', 'EA1234567'],
    [{ idType: 'PASSPORT', idNumber: 'C01X00T47', issuingState: 'DEU' }, 'PPT', 'DEU', 'C01X00T47'],
    [{ idType: 'TRAVEL_PERMIT_HMT', idNumber: 'H12345678' }, 'HMT', 'CHN', 'H12345678'],
    [{ idType: 'BIRTH_CERTIFICATE', idNumber: 'o510012345' }, 'BMC', 'CHN', 'O510012345'],
    [{ idType: 'VACCINATION_CERTIFICATE', idNumber: '510104-000123' }, 'VCC', 'CHN', '510104000123'],
    [{ idType: 'OTHER', idNumber: '南字第1234567号' }, 'OTH', 'CHN', '南字第1234567号'],
    [{ idType: 'OTHER', idNumber: 'ab/12.3' }, 'OTH', 'CHN', 'AB/12.3'],
  ])('accepts %j as %s|%s|%s', (input, code, issuer, number) => {
    expect(normalisePersonIdentifier(input, TODAY)).toEqual({
      ok: true,
      value: { idType: input.idType, code, issuer, number },
    });
  });

  it.each<[string, PersonIdentifierInput, string]>([
    ['an unknown idType', { idType: 'DRIVING_LICENCE', idNumber: 'X1234567' }, 'UNKNOWN_ID_TYPE'],
    ['an idType in the wrong case', { idType: 'resident_id', idNumber: '510104199003071237' }, 'UNKNOWN_ID_TYPE'],
    ['a resident ID with a wrong check', { idType: 'RESIDENT_ID', idNumber: '510104202301151230' }, 'INVALID_CHECK_CHARACTER'],
    ['a 17-character resident ID', { idType: 'RESIDENT_ID', idNumber: '51010420230115123' }, 'INVALID_LENGTH'],
    ['a legacy ID with an impossible date', { idType: 'RESIDENT_ID', idNumber: '110105490231002' }, 'INVALID_BIRTH_DATE'],
    ['a residence permit outside 81/82/83', { idType: 'RESIDENCE_PERMIT_HMT', idNumber: '510104199003071237' }, 'UNKNOWN_REGION'],
    [
      'a residence permit with a wrong check',
      { idType: 'RESIDENCE_PERMIT_HMT', idNumber: '810000199001011231' },
      'INVALID_CHECK_CHARACTER',
    ],
    ['an 18-character FPR not led by 9', { idType: 'FOREIGN_PERMANENT_RESIDENT', idNumber: '510104199003071237' }, 'UNKNOWN_REGION'],
    ['an FPR 2017 card with two letters', { idType: 'FOREIGN_PERMANENT_RESIDENT', idNumber: 'US1110085102001' }, 'INVALID_FORMAT'],
    ['an FPR of 16 characters', { idType: 'FOREIGN_PERMANENT_RESIDENT', idNumber: 'USA1100851020011' }, 'INVALID_LENGTH'],
    ['a passport without issuing state', { idType: 'PASSPORT', idNumber: 'E12345678' }, 'MISSING_ISSUING_STATE'],
    ['a passport with a blank issuing state', { idType: 'PASSPORT', idNumber: 'E12345678', issuingState: ' ' }, 'MISSING_ISSUING_STATE'],
    ['a passport with an alpha-2 state', { idType: 'PASSPORT', idNumber: 'E12345678', issuingState: 'CN' }, 'INVALID_ISSUING_STATE'],
    ['a 4-character passport', { idType: 'PASSPORT', idNumber: 'E123', issuingState: 'CHN' }, 'INVALID_FORMAT'],
    ['a 21-character passport', { idType: 'PASSPORT', idNumber: 'E12345678901234567890', issuingState: 'CHN' }, 'INVALID_FORMAT'],
    ['a 7-character travel permit', { idType: 'TRAVEL_PERMIT_HMT', idNumber: 'H123456' }, 'INVALID_FORMAT'],
    ['a 12-character travel permit', { idType: 'TRAVEL_PERMIT_HMT', idNumber: 'H12345678901' }, 'INVALID_FORMAT'],
    ['a birth certificate led by a digit', { idType: 'BIRTH_CERTIFICATE', idNumber: '0510012345' }, 'INVALID_FORMAT'],
    ['a birth certificate with 8 digits', { idType: 'BIRTH_CERTIFICATE', idNumber: 'O51001234' }, 'INVALID_FORMAT'],
    ['a 5-character vaccination certificate', { idType: 'VACCINATION_CERTIFICATE', idNumber: 'V1234' }, 'INVALID_FORMAT'],
    ['an empty OTHER', { idType: 'OTHER', idNumber: '  ' }, 'INVALID_FORMAT'],
    ['a 41-character OTHER', { idType: 'OTHER', idNumber: 'A'.repeat(41) }, 'INVALID_FORMAT'],
    ['an OTHER with a control character', { idType: 'OTHER', idNumber: 'AB\u0000C' }, 'INVALID_FORMAT'],
  ])('refuses %s', (_label, input, reason) => {
    expect(normalisePersonIdentifier(input, TODAY)).toEqual({ ok: false, reason });
  });

  it('gives the legacy and the 18-character card of one person the same identity', () => {
    const legacy = normalised({ idType: 'RESIDENT_ID', idNumber: '110105491231002' });
    const current = normalised({ idType: 'RESIDENT_ID', idNumber: '11010519491231002x' });
    expect(pseudonymInput(legacy)).toBe(pseudonymInput(current));
  });

  it('ignores an issuing state on Chinese documents', () => {
    expect(normalised({ idType: 'RESIDENT_ID', idNumber: '510104199003071237', issuingState: 'USA' }).issuer).toBe('CHN');
  });
});

describe('pseudonymInput', () => {
  it('is the DOMAIN.md §5 test-vector input for the Chengdu example', () => {
    const id = normalised({ idType: 'RESIDENT_ID', idNumber: '51010420230115123X' });
    expect(pseudonymInput(id)).toBe('v1|RIC|CHN|51010420230115123X');
  });

  it('carries the issuing state for passports', () => {
    const id = normalised({ idType: 'PASSPORT', idNumber: 'C01X00T47', issuingState: 'deu' });
    expect(pseudonymInput(id)).toBe('v1|PPT|DEU|C01X00T47');
  });
});

describe('the details a document states', () => {
  it('reads birth date and sex from resident IDs (legacy 15-digit ones too) and HMT residence permits', () => {
    expect(documentedDetailsOf(normalised({ idType: 'RESIDENT_ID', idNumber: '510104199003071237' }))).toEqual({
      birthDate: '1990-03-07',
      sex: 'M',
    });
    expect(documentedDetailsOf(normalised({ idType: 'RESIDENT_ID', idNumber: '110105491231002' }))).toEqual({
      birthDate: '1949-12-31',
      sex: 'F',
    });
    expect(documentedDetailsOf(normalised({ idType: 'RESIDENCE_PERMIT_HMT', idNumber: withCheck('83000020050505002') }))).toEqual({
      birthDate: '2005-05-05',
      sex: 'F',
    });
  });

  it('states nothing for documents without the GB 11643 layout', () => {
    expect(documentedDetailsOf(normalised({ idType: 'PASSPORT', idNumber: 'E12345678', issuingState: 'CHN' }))).toBeNull();
    expect(documentedDetailsOf(normalised({ idType: 'BIRTH_CERTIFICATE', idNumber: 'A123456789' }))).toBeNull();
  });

  it('names each typed detail the document contradicts; sex U contradicts nothing', () => {
    const id = normalised({ idType: 'RESIDENT_ID', idNumber: '510104199003071237' });
    expect(detailsContradicting(id, { birthDate: '1990-03-07', sex: 'M' })).toEqual([]);
    expect(detailsContradicting(id, { birthDate: '1990-03-07', sex: 'U' })).toEqual([]);
    expect(detailsContradicting(id, { birthDate: '1990-03-08', sex: 'F' })).toEqual([
      { field: 'birthDate', typed: '1990-03-08', documented: '1990-03-07' },
      { field: 'sex', typed: 'F', documented: 'M' },
    ]);
    const passport = normalised({ idType: 'PASSPORT', idNumber: 'E12345678', issuingState: 'CHN' });
    expect(detailsContradicting(passport, { birthDate: '1990-03-08', sex: 'F' })).toEqual([]);
  });
});
