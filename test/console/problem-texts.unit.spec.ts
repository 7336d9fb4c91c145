import { STATUS } from '../../apps/api/src/http/error-codes';
import { en } from '../../console/src/i18n/en';
import { zhCN } from '../../console/src/i18n/zh-CN';

/**
 * Every code the API can answer with (the edge's table, from which OpenAPI's list of codes is
 * generated too) has plain words in both of the console's languages: without them the Chinese
 * console shows the server's English `detail`. A new rule code fails here until it has its text.
 */
const codes = Object.keys(STATUS).sort();
const textOf = (catalogue: Record<string, string>, code: string): string => catalogue[code] ?? '';
const HAN = /\p{Script=Han}/u;

describe('the console’s words for the API’s problem codes', () => {
  it('reads the whole code table', () => {
    expect(codes).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'BATCH_RECALLED', 'TEMPERATURE_LOG_REQUIRED']));
    expect(codes.length).toBeGreaterThan(80);
  });

  it('has a Chinese text for every code, in Chinese', () => {
    const errors: Record<string, string> = zhCN.errors;
    expect(codes.filter((code) => !HAN.test(textOf(errors, code)))).toEqual([]);
  });

  it('has an English text for every code', () => {
    const errors: Record<string, string> = en.errors;
    expect(codes.filter((code) => textOf(errors, code).trim() === '')).toEqual([]);
  });

  it('has no text for a code the API does not have (a renamed code would leave one behind)', () => {
    const consoleOnly = ['UNEXPECTED', 'NETWORK'];
    expect(Object.keys(en.errors).filter((code) => !codes.includes(code) && !consoleOnly.includes(code))).toEqual([]);
  });
});
