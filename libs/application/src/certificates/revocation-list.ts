/**
 * Certificate revocation, in the SMART Health Card "rid" manner: every card of a person carries
 * the same revocation id, a keyed hash of the pseudonym, so the id names no one to whoever reads
 * the list. An entry `rid.T` revokes the person's cards issued before T (seconds since the
 * epoch). Entries come from events every province receives (a dose entered in error, details
 * erased), so each node derives the same entries and signs the list with its certificate key.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { type CertificateTrustList, trustedKey } from './certificate-trust-list';

const RID_TAG = 'vaxledger.shc.rid.v1:';
export const REVOCATION_LIST_TYPE = 'vaxledger-revocations+jws';

/** 64 bits of HMAC-SHA256 over the pseudonym, base64url (11 characters; the spec allows up to 24). */
export const revocationIdOf = (secret: string, personId: string): string =>
  createHmac('sha256', secret)
    .update(RID_TAG + personId)
    .digest()
    .subarray(0, 8)
    .toString('base64url');

/** A revocation as the read model holds it. */
export interface Revocation {
  readonly personId: string;
  readonly revokedAt: Date;
}

export interface RevocationList {
  readonly iss: string;
  readonly province: string;
  readonly issuedAt: string;
  readonly method: 'rid';
  /** Grows with every entry, so a verifier can tell a newer list from an older one. */
  readonly ctr: number;
  /** `rid.T`: cards with this rid and nbf before T are revoked. */
  readonly rids: readonly string[];
}

/**
 * The SMART Health Card specification's revocation list for one issuer key, served unsigned at
 * `[iss]/.well-known/crl/[kid].json` (the issuer's TLS vouches for it, as for the JWKS). `ctr`
 * counts its versions from 1 and equals the key's `crlVersion` in the JWKS, so a verifier knows
 * when its copy is stale. Every key of an issuer lists the same `rids`: a person's revocation id
 * does not depend on the key that signed the card.
 */
export interface KeyRevocationList {
  readonly kid: string;
  readonly method: 'rid';
  readonly ctr: number;
  readonly rids: readonly string[];
}

/** The spec's CRL version for `count` revocations: 1 while there is none, one more with each. */
export const crlVersionOf = (count: number): number => count + 1;

/** Each person's latest revocation time, as `rid.T` with T rounded up to a whole second. */
export const revocationEntries = (secret: string, revocations: readonly Revocation[]): string[] => {
  const latest = new Map<string, number>();
  for (const r of revocations) {
    const rid = revocationIdOf(secret, r.personId);
    latest.set(rid, Math.max(latest.get(rid) ?? 0, Math.ceil(r.revokedAt.getTime() / 1000)));
  }
  return [...latest].map(([rid, at]) => `${rid}.${at}`).sort();
};

export const signRevocationList = (list: RevocationList, key: { kid: string; privateKey: KeyObject }): Promise<string> =>
  new CompactSign(Buffer.from(JSON.stringify(list), 'utf8'))
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: REVOCATION_LIST_TYPE })
    .sign(key.privateKey);

export class RevocationListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevocationListError';
  }
}

/** Checks a signed revocation list against the trust list: signed by a listed key of the issuer it names. */
export const verifyRevocationList = async (jws: string, trust: CertificateTrustList): Promise<RevocationList> => {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws.trim());
  } catch {
    throw new RevocationListError('the revocation list is not a compact JWS');
  }
  // A card is a JWS too: the type keeps one from being taken for the other.
  if (header.typ !== REVOCATION_LIST_TYPE) throw new RevocationListError(`a revocation list has typ ${REVOCATION_LIST_TYPE}`);
  const kid = header.kid;
  const trusted = kid ? trustedKey(trust, kid) : null;
  if (!trusted) throw new RevocationListError(`the revocation list is signed by key ${kid ?? '(none)'}, which is not on the trust list`);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws.trim(), await importJWK(trusted.key, 'ES256'), { algorithms: ['ES256'] }));
  } catch {
    throw new RevocationListError('the revocation list signature does not match its content');
  }
  const list = JSON.parse(Buffer.from(payload).toString('utf8')) as RevocationList;
  if (list.iss !== trusted.issuer.iss || !Array.isArray(list.rids))
    throw new RevocationListError(`the revocation list names issuer ${String(list.iss)} but is signed by a key of ${trusted.issuer.iss}`);
  return list;
};

/** When a card (its rid and nbf) was revoked by any of the lists; null when it was not. */
export const revocationOf = (rid: string, nbf: number, lists: readonly RevocationList[]): { at: number; by: string } | null => {
  for (const list of lists)
    for (const entry of list.rids) {
      const [id, at] = entry.split('.');
      if (id === rid && Number(at) > nbf) return { at: Number(at), by: list.iss };
    }
  return null;
};
