import { gtinCheckDigit, parseGtin, parseTraceCode } from '@vaxledger/domain';

/**
 * Identifiers as EPCIS URIs (docs/interop/epcis.md has the table). Products whose code is a
 * GTIN-14 use GS1 Digital Link (SGTIN = GTIN + serial, LGTIN = GTIN + lot); NMPA products, whose
 * code is a 7-digit drug identification code and whose units carry 20-digit trace codes, use
 * HTTP URIs under our own identifier domain. Input may also use the GS1 EPC URNs (urn:epc:id:sgtin,
 * urn:epc:class:lgtin); GTIN check digits are verified on every input.
 */
export const ID_BASE = 'https://id.vaxledger.example';
export const GS1_DL = 'https://id.gs1.org';

const isGtinCode = (productCode: string): boolean => /^\d{14}$/.test(productCode) && parseGtin(productCode).ok;
const enc = encodeURIComponent;

/** A unit (one trace code) of a product. */
export const unitUri = (productCode: string, traceCode: string): string =>
  isGtinCode(productCode) ? `${GS1_DL}/01/${productCode}/21/${enc(traceCode)}` : `${ID_BASE}/nmpa/tc/${traceCode}`;

/** A lot (batch) as an EPC class. */
export const lotClassUri = (productCode: string, lotNumber: string): string =>
  isGtinCode(productCode)
    ? `${GS1_DL}/01/${productCode}/10/${enc(lotNumber)}`
    : `${ID_BASE}/nmpa/product/${productCode}/lot/${enc(lotNumber)}`;

/** A product (every lot) as an EPC class. */
export const productClassUri = (productCode: string): string =>
  isGtinCode(productCode) ? `${GS1_DL}/01/${productCode}` : `${ID_BASE}/nmpa/product/${productCode}`;

/** A site (organisation USCC, or `{USCC}-{point}`) as a location or party. */
export const siteUri = (site: string): string => `${ID_BASE}/site/${enc(site)}`;

export const deviceUri = (deviceId: string): string => `${ID_BASE}/device/${enc(deviceId)}`;
export const documentUri = (kind: 'desadv' | 'po' | 'release', owner: string, number: string): string =>
  `${ID_BASE}/${kind}/${enc(owner)}/${enc(number)}`;

export type EpcReason = 'UNKNOWN_SCHEME' | 'INVALID_GTIN' | 'INVALID_TRACE_CODE' | 'PATTERN_NOT_SUPPORTED';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: EpcReason };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = <T>(reason: EpcReason): Parsed<T> => ({ ok: false, reason });

/**
 * GS1 EPC URN company prefix + item reference (with its indicator digit first) back to a
 * GTIN-14: indicator, prefix, rest of the item reference, then the check digit computed here.
 */
const gtinOfUrn = (prefix: string, itemRef: string): Parsed<string> => {
  if (!/^\d+$/.test(prefix) || !/^\d+$/.test(itemRef) || prefix.length + itemRef.length !== 13) return no('INVALID_GTIN');
  const body = itemRef.charAt(0) + prefix + itemRef.slice(1);
  return ok(body + String(gtinCheckDigit(body)));
};

const checkedGtin = (text: string): Parsed<string> => {
  const parsed = parseGtin(text);
  return parsed.ok && text.length === 14 ? ok(parsed.value) : no('INVALID_GTIN');
};

/** Percent-decoding that never throws: a malformed escape stays as it was (and then matches nothing). */
const dec = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

/** An instance identifier (epcList, MATCH_epc): the trace code it names. */
export const parseUnitUri = (uri: string): Parsed<{ traceCode: string; gtin?: string }> => {
  let m = /^https:\/\/id\.vaxledger\.example\/nmpa\/tc\/([^/?#]+)$/.exec(uri);
  if (m) {
    const code = parseTraceCode(dec(m[1]!));
    return code.ok ? ok({ traceCode: code.value }) : no('INVALID_TRACE_CODE');
  }
  m = /^https:\/\/id\.gs1\.org\/01\/(\d{14})\/21\/([^/?#]+)$/.exec(uri);
  if (m) {
    const gtin = checkedGtin(m[1]!);
    return gtin.ok ? ok({ traceCode: dec(m[2]!), gtin: gtin.value }) : no('INVALID_GTIN');
  }
  m = /^urn:epc:id:sgtin:(\d+)\.(\d+)\.(.+)$/.exec(uri);
  if (m) {
    const gtin = gtinOfUrn(m[1]!, m[2]!);
    return gtin.ok ? ok({ traceCode: dec(m[3]!), gtin: gtin.value }) : no('INVALID_GTIN');
  }
  if (uri.startsWith('urn:epc:idpat:')) return no('PATTERN_NOT_SUPPORTED');
  return no('UNKNOWN_SCHEME');
};

/** A class identifier (quantityList, MATCH_epcClass): a lot (batch id) or a whole product. */
export const parseClassUri = (uri: string): Parsed<{ batchId: string } | { productCode: string }> => {
  let m = /^https:\/\/id\.vaxledger\.example\/nmpa\/product\/(\d{7})(?:\/lot\/([^/?#]+))?$/.exec(uri);
  if (m) return ok(m[2] ? { batchId: `${m[1]!}-${dec(m[2])}` } : { productCode: m[1]! });
  m = /^https:\/\/id\.gs1\.org\/01\/(\d{14})(?:\/10\/([^/?#]+))?$/.exec(uri);
  if (m) {
    const gtin = checkedGtin(m[1]!);
    if (!gtin.ok) return no('INVALID_GTIN');
    return ok(m[2] ? { batchId: `${gtin.value}-${dec(m[2])}` } : { productCode: gtin.value });
  }
  m = /^urn:epc:class:lgtin:(\d+)\.(\d+)\.(.+)$/.exec(uri);
  if (m) {
    const gtin = gtinOfUrn(m[1]!, m[2]!);
    return gtin.ok ? ok({ batchId: `${gtin.value}-${dec(m[3]!)}` }) : no('INVALID_GTIN');
  }
  m = /^urn:epc:idpat:sgtin:(\d+)\.(\d+)\.\*$/.exec(uri);
  if (m) {
    const gtin = gtinOfUrn(m[1]!, m[2]!);
    return gtin.ok ? ok({ productCode: gtin.value }) : no('INVALID_GTIN');
  }
  if (uri.startsWith('urn:epc:idpat:')) return no('PATTERN_NOT_SUPPORTED');
  return no('UNKNOWN_SCHEME');
};

/** A location or party URI back to our site code. */
/** A business document of ours (desadv, po, release) as `documentUri` writes it: its owner and number. */
export const parseDocumentUri = (
  kind: 'desadv' | 'po' | 'release',
  uri: string,
): Parsed<{ readonly owner: string; readonly number: string }> => {
  const m = new RegExp(`^https://id\\.vaxledger\\.example/${kind}/([^/?#]+)/([^/?#]+)$`).exec(uri);
  return m ? ok({ owner: dec(m[1]!), number: dec(m[2]!) }) : no('UNKNOWN_SCHEME');
};

export const parseSiteUri = (uri: string): Parsed<string> => {
  const m = /^https:\/\/id\.vaxledger\.example\/site\/([^/?#]+)$/.exec(uri);
  return m ? ok(dec(m[1]!)) : no('UNKNOWN_SCHEME');
};
