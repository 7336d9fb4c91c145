import { PURPOSES_OF_USE, ROLES, VACCINE_TYPES } from '@vaxledger/domain';
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
] as const)('the console’s words for %s', (_, values, zh, english) => {
  it('has a Chinese text for each', () => {
    expect(values.length).toBeGreaterThan(1);
    expect(missing(values, zh, (text) => HAN.test(text))).toEqual([]);
  });
  it('has an English text for each', () => expect(missing(values, english, written)).toEqual([]));
});
