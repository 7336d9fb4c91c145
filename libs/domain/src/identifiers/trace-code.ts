import { type Branded, type ParseResult, fail, normaliseIdentifier, ok } from './normalise';

/**
 * A China drug trace code (NMPAB/T 1002-2019): 20 digits. Digits 1–7 identify the product
 * presentation at one packaging level; the rest is a serial, possibly with issuer check digits
 * that are not public, so a code is validated here by shape only and by lookup elsewhere.
 */
export type TraceCode = Branded<string, 'TraceCode'>;

/** The drug identification code: the 7-digit product-and-level prefix of a trace code. */
export type TraceCodeProductPrefix = Branded<string, 'TraceCodeProductPrefix'>;

export type TraceCodeReason = 'INVALID_TRACE_CODE';

const TRACE_CODE = /^[0-9]{20}$/;

/**
 * Whether the prefix is registered to a product is a master-data question (reason
 * `UNKNOWN_PRODUCT_CODE`), answered by the caller with a lookup, not here.
 */
export const parseTraceCode = (raw: string): ParseResult<TraceCode, TraceCodeReason> => {
  const code = normaliseIdentifier(raw);
  return TRACE_CODE.test(code) ? ok(code as TraceCode) : fail('INVALID_TRACE_CODE');
};

export const traceCodeProductPrefix = (code: TraceCode): TraceCodeProductPrefix => code.slice(0, 7) as TraceCodeProductPrefix;
