import { PERSON_ID_PATTERN } from '@vaxledger/privacy';

/** Shapes the HTTP edge accepts for times and dates (API.md conventions). */
export const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Every pattern a DTO field is checked against, in the words a validation error uses
 * ("expiresAt must be a date like 2027-03-01"), keyed by the pattern's source. A pattern
 * missing here still fails cleanly, as "has the wrong format".
 */
export const FORMAT_WORDS: Readonly<Record<string, string>> = {
  [INSTANT.source]: 'a date and time with its offset, like 2026-11-10T09:00:00+08:00',
  [DATE.source]: 'a date like 2027-03-01',
  [/^(\d{7}|\d{14})$/.source]: 'a product code of 7 digits (or a 14-digit GTIN), like 8696321',
  [/^\d{6}$/.source]: 'a 6-digit region code (GB/T 2260), like 510000',
  [/^[0-9A-Z]{18}$/.source]: 'an 18-character unified social credit code, like 91320000MA1X0Y2W3E',
  [/^[0-9A-Z]{18}(?:-[0-9A-Za-z]{1,8})?$/.source]: 'an 18-character unified social credit code, like 12510000MB0A1234XJ',
  [/^[0-9A-Z]{18}(-[0-9A-Za-z]{1,8})?$/.source]:
    'a site code: an 18-character unified social credit code, optionally with -suffix, like 12440300MB1B2345QN',
  [/^[0-9A-Za-z]{1,20}-[0-9A-Z]{1,20}$/.source]: 'a batch id (productCode-lotNumber), like 8696321-202611A017',
  [/^[A-Z]{3}$/.source]: 'a three-letter country code (ISO 3166-1 alpha-3), like CHN',
  [PERSON_ID_PATTERN.source]: 'a person id: p1 and 26 letters a-z or digits 2-7, as POST /v1/persons/lookup answers',
  [/^\d{1,20}$/.source]: 'a log position (a whole number of up to 20 digits), like 0',
  [/^[A-Za-z0-9._~-]{8,128}$/.source]: 'a nonce of 8 to 128 letters, digits or . _ ~ -, like hc-7f3a9c21e4b8',
};

/** The plain-words description of a pattern, if it has one. */
export const formatWords = (pattern: string): string | undefined => FORMAT_WORDS[pattern];
