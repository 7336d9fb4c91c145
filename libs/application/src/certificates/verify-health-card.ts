/**
 * Offline verification of a health card: the trust list (and, for revocation, signed
 * revocation lists) is all it needs. Used by the CLI and by any node; it never calls the
 * issuer.
 */
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { type CertificateTrustList, trustedKey } from './certificate-trust-list';
import { type RevocationList, revocationOf } from './revocation-list';
import {
  fromNumericQr,
  HEALTH_CARD_TYPE,
  type HealthCardClaims,
  HealthCardFormatError,
  inflatePayload,
  SHC_PREFIX,
} from './smart-health-card';

export type InvalidReason =
  /** Not a card at all: not a QR text, JWS or .smart-health-card file. */
  | 'MALFORMED'
  /** Signed with an algorithm or form the spec does not allow (ES256, zip DEF). */
  | 'UNSUPPORTED_FORMAT'
  /** The signing key is on no trust list. */
  | 'UNTRUSTED_KEY'
  /** The signature does not match the content: altered, or forged. */
  | 'BAD_SIGNATURE'
  /** A trusted key signed it, but for another issuer than the card names. */
  | 'ISSUER_MISMATCH'
  /** Issued in the future. */
  | 'NOT_YET_VALID';

export type CardVerdict =
  | {
      readonly status: 'valid' | 'revoked';
      readonly issuer: string;
      readonly province: string;
      readonly kid: string;
      readonly issuedAt: string;
      readonly claims: HealthCardClaims;
      /** For a revoked card: when, and by whose list. */
      readonly revokedAt?: string;
      readonly revokedBy?: string;
    }
  | { readonly status: 'invalid'; readonly reason: InvalidReason; readonly detail: string };

/** Tolerance for the issuer's clock being ahead of the verifier's. */
const CLOCK_SKEW_S = 300;

const invalid = (reason: InvalidReason, detail: string): CardVerdict => ({ status: 'invalid', reason, detail });

/** The JWS of what a person or file presents: `shc:/…` QR text, a bare JWS, or a .smart-health-card file. */
export const jwsOfPresentation = (text: string): string => {
  const trimmed = text.trim();
  if (trimmed.startsWith(SHC_PREFIX)) return fromNumericQr(trimmed);
  if (trimmed.startsWith('{')) {
    const file = JSON.parse(trimmed) as { verifiableCredential?: unknown };
    const first = Array.isArray(file.verifiableCredential) ? (file.verifiableCredential[0] as unknown) : undefined;
    if (typeof first !== 'string') throw new HealthCardFormatError('the file holds no verifiableCredential');
    return first;
  }
  return trimmed;
};

export const verifyHealthCard = async (
  presentation: string,
  trust: CertificateTrustList,
  options: { readonly revocations?: readonly RevocationList[]; readonly now?: Date } = {},
): Promise<CardVerdict> => {
  let jws: string;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    jws = jwsOfPresentation(presentation);
    header = decodeProtectedHeader(jws);
  } catch (error) {
    return invalid('MALFORMED', error instanceof HealthCardFormatError ? error.message : 'not a health card (QR text, JWS or file)');
  }
  if (header.alg !== 'ES256' || header.zip !== 'DEF' || typeof header.kid !== 'string')
    return invalid('UNSUPPORTED_FORMAT', 'a health card is signed ES256 with a deflated payload and names its key (kid)');
  const trusted = trustedKey(trust, header.kid);
  if (!trusted) return invalid('UNTRUSTED_KEY', `key ${header.kid} is not on the trust list`);
  let compressed: Uint8Array;
  try {
    ({ payload: compressed } = await compactVerify(jws, await importJWK(trusted.key, 'ES256'), { algorithms: ['ES256'] }));
  } catch {
    return invalid('BAD_SIGNATURE', `the signature of key ${header.kid} (${trusted.issuer.iss}) does not match the card`);
  }
  let claims: HealthCardClaims;
  try {
    claims = JSON.parse(inflatePayload(compressed).toString('utf8')) as HealthCardClaims;
  } catch {
    return invalid('MALFORMED', 'the signed payload is not a deflated JSON card');
  }
  if (claims.iss !== trusted.issuer.iss)
    return invalid('ISSUER_MISMATCH', `the card names issuer ${String(claims.iss)} but is signed by a key of ${trusted.issuer.iss}`);
  if (typeof claims.nbf !== 'number' || !Array.isArray(claims.vc?.type) || !claims.vc.type.includes(HEALTH_CARD_TYPE))
    return invalid('MALFORMED', 'the payload lacks nbf or the health-card credential type');
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (claims.nbf > now + CLOCK_SKEW_S)
    return invalid('NOT_YET_VALID', `issued at ${new Date(claims.nbf * 1000).toISOString()}, in the future`);
  const base = {
    issuer: trusted.issuer.iss,
    province: trusted.issuer.province,
    kid: header.kid,
    issuedAt: new Date(claims.nbf * 1000).toISOString(),
    claims,
  };
  const revoked = claims.vc.rid ? revocationOf(claims.vc.rid, claims.nbf, options.revocations ?? []) : null;
  return revoked
    ? { status: 'revoked', ...base, revokedAt: new Date(revoked.at * 1000).toISOString(), revokedBy: revoked.by }
    : { status: 'valid', ...base };
};
