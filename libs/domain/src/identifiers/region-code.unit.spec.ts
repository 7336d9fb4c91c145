import {
  type RegionCode,
  HUB_NODE_CODE,
  ID_NUMBER_ONLY_PREFIXES,
  PROVINCE_PREFIXES,
  isIdNumberRegionPrefix,
  parseProvinceCode,
  parseRegionCode,
  provinceOf,
} from './region-code';

describe('PROVINCE_PREFIXES', () => {
  it('lists the 31 mainland province-level divisions of DOMAIN.md §1', () => {
    expect(Object.keys(PROVINCE_PREFIXES)).toHaveLength(31);
    expect(PROVINCE_PREFIXES['51']).toBe('Sichuan');
    expect(PROVINCE_PREFIXES['65']).toBe('Xinjiang');
  });

  it('keeps Taiwan, Hong Kong and Macao for ID numbers only', () => {
    expect(Object.keys(ID_NUMBER_ONLY_PREFIXES)).toEqual(['71', '81', '82']);
    expect(isIdNumberRegionPrefix('81')).toBe(true);
    expect(isIdNumberRegionPrefix('44')).toBe(true);
    expect(isIdNumberRegionPrefix('99')).toBe(false);
  });
});

describe('parseRegionCode', () => {
  it.each([
    ['510000', '510000'],
    ['510100', '510100'],
    ['510104', '510104'],
    [' 440305 ', '440305'],
    ['659001', '659001'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseRegionCode(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['991010', 'UNKNOWN_REGION'],
    ['810000', 'UNKNOWN_REGION'], // Hong Kong: only inside ID numbers
    ['000000', 'UNKNOWN_REGION'], // the hub node is a province stand-in, not a region
    ['51010', 'INVALID_REGION_CODE'],
    ['5101044', 'INVALID_REGION_CODE'],
    ['51010A', 'INVALID_REGION_CODE'],
    ['', 'INVALID_REGION_CODE'],
  ])('refuses %j with %s', (raw, reason) => {
    expect(parseRegionCode(raw)).toEqual({ ok: false, reason });
  });
});

describe('parseProvinceCode', () => {
  it.each([
    ['510000', '510000'],
    ['110000', '110000'],
    ['000000', '000000'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(parseProvinceCode(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['510100', 'NOT_A_PROVINCE_CODE'],
    ['510104', 'NOT_A_PROVINCE_CODE'],
    ['990000', 'UNKNOWN_REGION'],
    ['710000', 'UNKNOWN_REGION'],
    ['51000', 'INVALID_REGION_CODE'],
  ])('refuses %j with %s', (raw, reason) => {
    expect(parseProvinceCode(raw)).toEqual({ ok: false, reason });
  });
});

describe('provinceOf', () => {
  it.each([
    ['510104', '510000'],
    ['510100', '510000'],
    ['510000', '510000'],
    ['440305', '440000'],
  ])('of %s is %s', (region, province) => {
    expect(provinceOf(region as RegionCode)).toBe(province);
  });

  it('keeps the hub node as itself', () => {
    expect(provinceOf(HUB_NODE_CODE)).toBe('000000');
  });
});
