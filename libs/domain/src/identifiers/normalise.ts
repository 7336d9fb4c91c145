/**
 * Shared shape of every identifier check: scanners, keyboards and label printers add noise
 * (padding, lower case, the `code-serial` hyphen of printed labels, the GS1 group separator a
 * scanner emits between element strings), so each validator first reduces the raw text to one
 * canonical spelling and only then checks it. The canonical spelling is what events store and
 * what pseudonyms are derived from, so two spellings of one identifier never split a record.
 */

declare const brand: unique symbol;

/** A string (or other value) that has passed a named check; only a parser produces one. */
export type Branded<T, B extends string> = T & { readonly [brand]: B };

/**
 * Outcome of a parse. The failure carries a stable string code rather than an exception, so
 * the HTTP edge can report it per field and a Kafka consumer can record it without `instanceof`.
 */
export type ParseResult<T, R extends string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: R };

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

export const fail = <R extends string>(reason: R): { readonly ok: false; readonly reason: R } => ({
  ok: false,
  reason,
});

/** ASCII group separator (GS, FNC1 in GS1 element strings). */
export const GS1_GROUP_SEPARATOR = '\u001d';

export interface NormaliseOptions {
  /**
   * Keep hyphens instead of dropping them: a site code uses the hyphen as the boundary between
   * the organisation's code and the site suffix, so dropping it would fuse the two.
   */
  readonly keepHyphens?: boolean;
}

const DROPPED = /[\s\u001d-]/gu;
const DROPPED_KEEPING_HYPHENS = /[\s\u001d]/gu;

/**
 * Trim, upper-case, then drop every whitespace character (including the ideographic space
 * Chinese input methods type), hyphens and GS1 group separators. Idempotent.
 */
export const normaliseIdentifier = (raw: string, options: NormaliseOptions = {}): string =>
  raw
    .trim()
    .toUpperCase()
    .replace(options.keepHyphens === true ? DROPPED_KEEPING_HYPHENS : DROPPED, '');

/** True when every character is an ASCII digit (and there is at least one). */
export const isDigits = (text: string): boolean => /^[0-9]+$/.test(text);
