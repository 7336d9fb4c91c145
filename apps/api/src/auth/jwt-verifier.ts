import { readFile } from 'node:fs/promises';
import type { JwtSettings } from '@vaxledger/config';
import { type Actor, ROLES, type Role } from '@vaxledger/domain';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { isCanonicalOrgCode, NATIONAL_PROVINCE } from './policy';

/** Asymmetric only: a shared HMAC secret would let every verifier mint tokens; `none` is never accepted. */
export const JWT_ALGORITHMS = ['ES256', 'RS256'] as const;

/** A file-based key set is re-read at most this often, when a token names a key it lacks (rotation). */
const FILE_RELOAD_MIN_MS = 1_000;

type KeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * Verifies bearer tokens against the identity provider's keys and maps their claims to the
 * caller. Claims (all strings unless noted):
 *
 * - `org`: the caller's organisation code (USCC, check character verified);
 * - `role`: `manufacturer`, `cdc`, `clinic`, `regulator` or `hub`;
 * - `province`: GB/T 2260 code of the caller's jurisdiction; `000000`, or `national: true`
 *   (boolean), for national bodies;
 * - `site` (optional): the point the caller acts as when it differs from `org` (`{org}-{suffix}`).
 *
 * Any failure (signature, algorithm, unknown key, issuer, audience, exp, nbf, claims) is
 * `null`; the reason goes to the debug log only, never to the caller.
 */
export class JwtVerifier {
  private fileKeys: { keys: KeySet; loadedAt: number } | null = null;
  private readonly remoteKeys: ReturnType<typeof createRemoteJWKSet> | null;

  constructor(private readonly settings: JwtSettings) {
    this.remoteKeys = settings.jwksUrl
      ? createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 })
      : null;
  }

  async verify(token: string): Promise<{ actor: Actor } | { failure: string }> {
    try {
      const payload = await this.verifySignature(token);
      const actor = actorOfClaims(payload);
      return actor ? { actor } : { failure: 'claims' };
    } catch (error) {
      return { failure: error instanceof errors.JOSEError ? error.code : 'malformed' };
    }
  }

  private async verifySignature(token: string): Promise<JWTPayload> {
    const options = {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      algorithms: [...JWT_ALGORITHMS],
      clockTolerance: this.settings.clockToleranceSeconds,
      requiredClaims: ['exp'],
    };
    if (this.remoteKeys) return (await jwtVerify(token, this.remoteKeys, options)).payload;
    try {
      return (await jwtVerify(token, await this.localKeys(false), options)).payload;
    } catch (error) {
      // The provider rotated its keys: re-read the file once, then try again.
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return (await jwtVerify(token, await this.localKeys(true), options)).payload;
    }
  }

  private async localKeys(reload: boolean): Promise<KeySet> {
    const now = Date.now();
    if (this.fileKeys && (!reload || now - this.fileKeys.loadedAt < FILE_RELOAD_MIN_MS)) return this.fileKeys.keys;
    const document = JSON.parse(await readFile(this.settings.jwksFile!, 'utf8')) as JSONWebKeySet;
    this.fileKeys = { keys: createLocalJWKSet(document), loadedAt: now };
    return this.fileKeys.keys;
  }
}

const SITE = /^[0-9A-Z]{18}(?:-[0-9A-Z]{1,8})?$/;

/** The caller a verified token stands for, or null if its claims do not make one. */
export const actorOfClaims = (claims: JWTPayload): Actor | null => {
  const { org, role, province, site, national } = claims as Record<string, unknown>;
  if (typeof org !== 'string' || !isCanonicalOrgCode(org)) return null;
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) return null;
  const provinceCode = national === true ? NATIONAL_PROVINCE : province;
  if (typeof provinceCode !== 'string' || !/^\d{6}$/.test(provinceCode)) return null;
  if (site !== undefined && (typeof site !== 'string' || !SITE.test(site) || (site !== org && !site.startsWith(`${org}-`)))) return null;
  return { orgCode: org, role: role as Role, provinceCode, siteCode: typeof site === 'string' ? site : org };
};
