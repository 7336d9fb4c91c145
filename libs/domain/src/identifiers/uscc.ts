import { type Branded, type ParseResult, fail, normaliseIdentifier, ok } from './normalise';
import { isProvincePrefix } from './region-code';

/** An organisation's unified social credit code (GB 32100), the ledger's `orgCode`. */
export type OrgCode = Branded<string, 'OrgCode'>;

/** A site: the organisation's code, or `{orgCode}-{suffix}` when one entity runs several points. */
export type SiteCode = Branded<string, 'SiteCode'>;

export type OrgCodeReason = 'INVALID_LENGTH' | 'INVALID_CHARACTERS' | 'UNKNOWN_REGION' | 'INVALID_CHECK_CHARACTER';
export type SiteCodeReason = OrgCodeReason | 'INVALID_SITE_SUFFIX';

/** The 31 code characters; I, O, S, V and Z are left out because they read like digits. */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** 3^i mod 31 for positions 1–17. */
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

const USCC_LENGTH = 18;
const SITE_SUFFIX = /^[0-9A-Z]{1,8}$/;

const alphabetValue = (char: string): number => USCC_ALPHABET.indexOf(char);

/** The 18th character of a code whose first 17 characters are given. */
export const usccCheckChar = (first17: string): string => {
  if (first17.length !== USCC_LENGTH - 1) throw new RangeError('a USCC body is 17 characters');
  let sum = 0;
  USCC_WEIGHTS.forEach((weight, index) => {
    const value = alphabetValue(first17.charAt(index));
    if (value < 0) throw new RangeError('a USCC body uses only the GB 32100 alphabet');
    sum += value * weight;
  });
  return USCC_ALPHABET.charAt((31 - (sum % 31)) % 31);
};

const checkOrgCode = (code: string): ParseResult<OrgCode, OrgCodeReason> => {
  if (code.length !== USCC_LENGTH) return fail('INVALID_LENGTH');
  for (const char of code) if (alphabetValue(char) < 0) return fail('INVALID_CHARACTERS');
  // Characters 3–8 are the GB/T 2260 code of the registering place; only its province is listed.
  const region = code.slice(2, 8);
  if (!/^[0-9]{6}$/.test(region) || !isProvincePrefix(region.slice(0, 2))) return fail('UNKNOWN_REGION');
  return usccCheckChar(code.slice(0, 17)) === code.charAt(17) ? ok(code as OrgCode) : fail('INVALID_CHECK_CHARACTER');
};

/**
 * The GB 11714 check inside characters 9–17 is deliberately not enforced: a failure there only
 * warns (DOMAIN.md §2), because codes whose inner check does not hold are in real use.
 */
export const parseOrgCode = (raw: string): ParseResult<OrgCode, OrgCodeReason> => checkOrgCode(normaliseIdentifier(raw));

export const parseSiteCode = (raw: string): ParseResult<SiteCode, SiteCodeReason> => {
  const text = normaliseIdentifier(raw, { keepHyphens: true });
  const hyphen = text.indexOf('-');
  const org = checkOrgCode(hyphen < 0 ? text : text.slice(0, hyphen));
  if (!org.ok) return org;
  if (hyphen < 0) return ok(text as SiteCode);
  return SITE_SUFFIX.test(text.slice(hyphen + 1)) ? ok(text as SiteCode) : fail('INVALID_SITE_SUFFIX');
};

/** The organisation that runs a site. */
export const orgCodeOfSite = (site: SiteCode): OrgCode => site.slice(0, USCC_LENGTH) as OrgCode;
