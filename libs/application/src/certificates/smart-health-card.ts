/**
 * The SMART Health Card wire format (spec.smarthealth.cards): a compact JWS, ES256, whose
 * payload is raw-DEFLATE-compressed JSON (`zip: "DEF"` in the header), carried in a QR code as
 * `shc:/` followed by the JWS written as digits: each character c becomes two decimal digits,
 * the value of (c - 45).
 *
 * Only the format lives here; what a card says is built by the issuing use case and checked
 * by the verifier.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';

export const SHC_PREFIX = 'shc:/';
export const HEALTH_CARD_TYPE = 'https://smarthealth.cards#health-card';
export const IMMUNIZATION_CARD_TYPE = 'https://smarthealth.cards#immunization';
/** The largest JWS the spec lets one QR code carry (version 22, error correction L). */
export const SINGLE_QR_LIMIT = 1195;
/** The inflated payload a verifier will read: a card is a few kilobytes; this bounds a zip bomb. */
export const MAX_INFLATED_BYTES = 256 * 1024;

/** Our addition beside the spec's claims: per origin province, up to when the issuer held all of the person's doses. */
export interface CompletenessClaim {
  readonly origin: string;
  readonly completeUpTo: string | null;
}

export interface HealthCardClaims {
  readonly iss: string;
  readonly nbf: number;
  readonly vc: {
    readonly type: readonly string[];
    readonly credentialSubject: { readonly fhirVersion: string; readonly fhirBundle: Readonly<Record<string, unknown>> };
    /** Revocation id (spec: "rid"), the same for every card of one person from any province. */
    readonly rid?: string;
  };
  /** Vaxledger's own claim: issuing province and completeness per origin (ignored by other verifiers). */
  readonly vxl?: { readonly province: string; readonly origins: readonly CompletenessClaim[] };
}

export class HealthCardFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HealthCardFormatError';
  }
}

/** Signs the claims as a health card: deflated payload, ES256, the key's thumbprint as `kid`. */
export const signHealthCard = async (claims: HealthCardClaims, key: { kid: string; privateKey: KeyObject }): Promise<string> =>
  new CompactSign(deflateRawSync(Buffer.from(JSON.stringify(claims), 'utf8')))
    .setProtectedHeader({ alg: 'ES256', zip: 'DEF', kid: key.kid })
    .sign(key.privateKey);

/** The QR text of a JWS: `shc:/` and two digits per character. */
export const toNumericQr = (jws: string): string => {
  let digits = '';
  for (const char of jws) {
    const value = char.charCodeAt(0) - 45;
    if (value < 0 || value > 77) throw new HealthCardFormatError(`character ${JSON.stringify(char)} cannot be written in a health card QR`);
    digits += value.toString().padStart(2, '0');
  }
  return SHC_PREFIX + digits;
};

/** The JWS of a `shc:/` QR text (a single-chunk card; chunked cards are deprecated by the spec). */
export const fromNumericQr = (qr: string): string => {
  const text = qr.trim();
  if (!text.startsWith(SHC_PREFIX)) throw new HealthCardFormatError('the text does not start with shc:/');
  const digits = text.slice(SHC_PREFIX.length);
  if (!/^\d*$/.test(digits) || digits.length % 2 !== 0)
    throw new HealthCardFormatError('after shc:/ a single-chunk card holds an even number of digits only');
  let jws = '';
  for (let i = 0; i < digits.length; i += 2) {
    const value = Number(digits.slice(i, i + 2));
    if (value > 77) throw new HealthCardFormatError(`digit pair ${digits.slice(i, i + 2)} at ${i} is out of range`);
    jws += String.fromCharCode(value + 45);
  }
  return jws;
};

/** Inflates a card payload, refusing anything larger than a card could be. */
export const inflatePayload = (compressed: Uint8Array): Buffer => {
  try {
    return inflateRawSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch {
    throw new HealthCardFormatError('the payload is not raw DEFLATE data of a card');
  }
};
