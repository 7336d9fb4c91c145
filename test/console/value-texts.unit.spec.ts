import { AEFI_CLASSES, AEFI_OUTCOMES, PURPOSES_OF_USE, ROLES, SERIOUS_CRITERIA, VACCINE_TYPES } from '@vaxledger/domain';
import * as consoleAefi from '../../console/src/pages/aefi/aefi-values';
import { en } from '../../console/src/i18n/en';
import { zhCN } from '../../console/src/i18n/zh-CN';

/**
 * The ledger's value sets the console shows (vaccine types in a record, purposes and roles in
 * the access audit) each have words in both languages, so the Chinese console never shows a
 * raw code such as `JE-L`, `recall_follow_up` or `healthcode`. A new value fails here first.
 */
const HAN = /\p{Script=Han}/u;
const missing = (values: readonly string[], catalogue: Record<string, string>, test: (text: string) => boolean): string[] =>
  values.filter((value) => !test(catalogue[value] ?? ''));
const written = (text: string): boolean => text.trim() !== '';

describe.each([
  ['vaccine types', VACCINE_TYPES, zhCN.vaccineType, en.vaccineType],
  ['purposes of use', PURPOSES_OF_USE, zhCN.purpose, en.purpose],
  ['roles', ROLES, zhCN.roles, en.roles],
  ['dose statuses', ['valid', 'voided'], zhCN.doseStatus, en.doseStatus],
  // AEFI: a report's classes ("not classified" too), outcomes, seriousness criteria, and the signs the console offers.
  ['AEFI classes', [...AEFI_CLASSES, 'unclassified'], zhCN.aefiClass, en.aefiClass],
  ['AEFI outcomes', AEFI_OUTCOMES, zhCN.aefiOutcome, en.aefiOutcome],
  ['AEFI seriousness criteria', SERIOUS_CRITERIA, zhCN.seriousCriterion, en.seriousCriterion],
  ['AEFI signs and symptoms', consoleAefi.AEFI_SIGNS, zhCN.aefiSign, en.aefiSign],
] as const)('the console’s words for %s', (_, values, zh, english) => {
  it('has a Chinese text for each', () => {
    expect(values.length).toBeGreaterThan(1);
    expect(missing(values, zh, (text) => HAN.test(text))).toEqual([]);
  });
  it('has an English text for each', () => expect(missing(values, english, written)).toEqual([]));
});

describe('the AEFI value sets the console offers', () => {
  it('offers signs as codes the API accepts (lower-case value-set codes), each once', () => {
    expect(consoleAefi.AEFI_SIGNS.filter((code) => !/^[a-z0-9_.-]{1,64}$/.test(code))).toEqual([]);
    expect(new Set(consoleAefi.AEFI_SIGNS).size).toBe(consoleAefi.AEFI_SIGNS.length);
  });
});
