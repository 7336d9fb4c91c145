/**
 * The national trust list of certificate issuers: for each province, its issuer URL (the card's
 * `iss`) and every ES256 public key it has signed cards with, the retired ones included, so a
 * card signed before a key rotation still verifies. The hub gathers the provinces' entries
 * (`certificate trust-entry`) into one list and distributes it like the sync trust list; a
 * checkpoint or app verifies any province's card with it and nothing else (no network).
 */
import { createHash } from 'node:crypto';

/** An EC P-256 public key as a JWK, as published in `/.well-known/jwks.json`. */
export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: 'ES256';
}

export interface CertificateIssuer {
  readonly iss: string;
  readonly province: string;
  readonly keys: readonly PublicJwk[];
}

export interface CertificateTrustList {
  readonly issuers: readonly CertificateIssuer[];
}

export class CertificateTrustListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateTrustListError';
  }
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/** RFC 7638 thumbprint of an EC key (SHA-256 over its required members in lexical order): the spec's `kid`. */
export const ecThumbprint = (jwk: { crv: string; kty: string; x: string; y: string }): string =>
  base64url(
    createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest(),
  );

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const publicJwkOf = (value: unknown, where: string): PublicJwk => {
  if (!isObject(value) || value.kty !== 'EC' || value.crv !== 'P-256' || typeof value.x !== 'string' || typeof value.y !== 'string')
    throw new CertificateTrustListError(`${where} is not an EC P-256 public key`);
  if ('d' in value) throw new CertificateTrustListError(`${where} holds a private key: a trust list carries public keys only`);
  const kid = ecThumbprint({ kty: 'EC', crv: 'P-256', x: value.x, y: value.y });
  if (value.kid !== undefined && value.kid !== kid) throw new CertificateTrustListError(`${where}: kid is not the key's thumbprint`);
  return { kty: 'EC', crv: 'P-256', x: value.x, y: value.y, kid, use: 'sig', alg: 'ES256' };
};

/** Reads a trust list (JSON text); every problem is named, none silently skipped. */
export const parseCertificateTrustList = (json: string): CertificateTrustList => {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CertificateTrustListError('the trust list is not valid JSON');
  }
  if (!isObject(value) || !Array.isArray(value.issuers)) throw new CertificateTrustListError('the trust list must be { "issuers": [ … ] }');
  const issuers = value.issuers.map((entry: unknown, i): CertificateIssuer => {
    const where = `issuer ${i + 1}`;
    if (!isObject(entry)) throw new CertificateTrustListError(`${where} is not an object`);
    if (typeof entry.iss !== 'string' || !/^https:\/\/\S+[^/]$/.test(entry.iss))
      throw new CertificateTrustListError(`${where}: iss must be an https URL without a trailing slash`);
    if (typeof entry.province !== 'string' || !/^\d{6}$/.test(entry.province))
      throw new CertificateTrustListError(`${where}: province must be a six-digit province code`);
    if (!Array.isArray(entry.keys) || entry.keys.length === 0)
      throw new CertificateTrustListError(`${where}: keys must list at least one key`);
    return { iss: entry.iss, province: entry.province, keys: entry.keys.map((k: unknown, j) => publicJwkOf(k, `${where} key ${j + 1}`)) };
  });
  return { issuers };
};

/** Several lists (or provinces' entries) as one; the same issuer's keys are united. */
export const mergeTrustLists = (lists: readonly CertificateTrustList[]): CertificateTrustList => {
  const byIss = new Map<string, { iss: string; province: string; keys: Map<string, PublicJwk> }>();
  for (const issuer of lists.flatMap((l) => l.issuers)) {
    const entry = byIss.get(issuer.iss) ?? { iss: issuer.iss, province: issuer.province, keys: new Map<string, PublicJwk>() };
    if (entry.province !== issuer.province) throw new CertificateTrustListError(`${issuer.iss} is listed for two provinces`);
    for (const key of issuer.keys) entry.keys.set(key.kid, key);
    byIss.set(issuer.iss, entry);
  }
  return { issuers: [...byIss.values()].map((e) => ({ iss: e.iss, province: e.province, keys: [...e.keys.values()] })) };
};

/** The issuer and key a `kid` names on the list, if any. */
export const trustedKey = (list: CertificateTrustList, kid: string): { issuer: CertificateIssuer; key: PublicJwk } | null => {
  for (const issuer of list.issuers) {
    const key = issuer.keys.find((k) => k.kid === kid);
    if (key) return { issuer, key };
  }
  return null;
};
