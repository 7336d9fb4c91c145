import { type Branded, type ParseResult, fail, normaliseIdentifier, ok } from './normalise';

/** A GB/T 2260 administrative division code: province `PP0000`, city `PPCC00`, county `PPCCDD`. */
export type RegionCode = Branded<string, 'RegionCode'>;

/** A province-level code `PP0000`, or `000000` for the national hub node. */
export type ProvinceCode = Branded<string, 'ProvinceCode'>;

export type RegionCodeReason = 'INVALID_REGION_CODE' | 'UNKNOWN_REGION';
export type ProvinceCodeReason = RegionCodeReason | 'NOT_A_PROVINCE_CODE';

/** Mainland province-level divisions: the only prefixes an organisation or site can sit in. */
export const PROVINCE_PREFIXES = {
  '11': 'Beijing',
  '12': 'Tianjin',
  '13': 'Hebei',
  '14': 'Shanxi',
  '15': 'Inner Mongolia',
  '21': 'Liaoning',
  '22': 'Jilin',
  '23': 'Heilongjiang',
  '31': 'Shanghai',
  '32': 'Jiangsu',
  '33': 'Zhejiang',
  '34': 'Anhui',
  '35': 'Fujian',
  '36': 'Jiangxi',
  '37': 'Shandong',
  '41': 'Henan',
  '42': 'Hubei',
  '43': 'Hunan',
  '44': 'Guangdong',
  '45': 'Guangxi',
  '46': 'Hainan',
  '50': 'Chongqing',
  '51': 'Sichuan',
  '52': 'Guizhou',
  '53': 'Yunnan',
  '54': 'Tibet',
  '61': 'Shaanxi',
  '62': 'Gansu',
  '63': 'Qinghai',
  '64': 'Ningxia',
  '65': 'Xinjiang',
} as const satisfies Readonly<Record<string, string>>;

export type ProvincePrefix = keyof typeof PROVINCE_PREFIXES;

/**
 * Taiwan, Hong Kong and Macao appear as the region of issue inside resident ID numbers, but
 * no organisation on the ledger is registered there, so they are not region codes here.
 */
export const ID_NUMBER_ONLY_PREFIXES = {
  '71': 'Taiwan',
  '81': 'Hong Kong',
  '82': 'Macao',
} as const satisfies Readonly<Record<string, string>>;

/** The national hub node's own code; it stands in for a province in `originProvince`. */
export const HUB_NODE_CODE = '000000' as ProvinceCode;

export const isProvincePrefix = (prefix: string): prefix is ProvincePrefix =>
  Object.prototype.hasOwnProperty.call(PROVINCE_PREFIXES, prefix);

/** A known first-two-digit region of issue for a resident ID number. */
export const isIdNumberRegionPrefix = (prefix: string): boolean =>
  isProvincePrefix(prefix) || Object.prototype.hasOwnProperty.call(ID_NUMBER_ONLY_PREFIXES, prefix);

const SIX_DIGITS = /^[0-9]{6}$/;

/**
 * Any code under a known province. Only the prefix is checked against a list: county codes are
 * redrawn often and retired ones must stay readable in old events.
 */
export const parseRegionCode = (raw: string): ParseResult<RegionCode, RegionCodeReason> => {
  const code = normaliseIdentifier(raw);
  if (!SIX_DIGITS.test(code)) return fail('INVALID_REGION_CODE');
  return isProvincePrefix(code.slice(0, 2)) ? ok(code as RegionCode) : fail('UNKNOWN_REGION');
};

export const parseProvinceCode = (raw: string): ParseResult<ProvinceCode, ProvinceCodeReason> => {
  const code = normaliseIdentifier(raw);
  if (code === HUB_NODE_CODE) return ok(HUB_NODE_CODE);
  const region = parseRegionCode(code);
  if (!region.ok) return region;
  return code.endsWith('0000') ? ok(code as ProvinceCode) : fail('NOT_A_PROVINCE_CODE');
};

/** The province a region lies in: `510104` → `510000`. */
export const provinceOf = (region: RegionCode | ProvinceCode): ProvinceCode => `${region.slice(0, 2)}0000` as ProvinceCode;
