import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROLES, type Role } from '@vaxledger/domain';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { isCanonicalOrgCode } from '../../../api/src/auth/policy';

/**
 * A local identity provider for trying AUTH_MODE=jwt without one: an ES256 key pair, its
 * public JWKS (what the node reads through JWT_JWKS_FILE) and tokens carrying the claims
 * apps/api/src/auth/jwt-verifier.ts maps to a caller (org, role, province, optional site).
 * For trying things out only: the private key sits in a local file.
 */
export const DEV_ISSUER = 'https://idp.local.vaxledger.example';
export const DEV_AUDIENCE = 'vaxledger-api';
const PRIVATE_FILE = 'signing-key.jwk.json';
const JWKS_FILE = 'jwks.json';
/** The iss and aud chosen at `jwt init`, so later tokens match the node's JWT_ISSUER and JWT_AUDIENCE. */
const ISSUER_FILE = 'issuer.json';

interface Issuer {
  readonly issuer: string;
  readonly audience: string;
}

const issuerOf = (dir: string): Issuer => {
  try {
    return { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, ...(JSON.parse(readFileSync(join(dir, ISSUER_FILE), 'utf8')) as Partial<Issuer>) };
  } catch {
    return { issuer: DEV_ISSUER, audience: DEV_AUDIENCE };
  }
};

/** One sample caller per role (identifiers valid, as in the README's examples). */
export const SAMPLE_CALLERS: Readonly<Record<Role, { org: string; province: string }>> = {
  manufacturer: { org: '91320000MA1X0Y2W3E', province: '320000' },
  cdc: { org: '12510000MB0A1234XJ', province: '510000' },
  clinic: { org: '12440300MB1B2345QN', province: '440000' },
  regulator: { org: '12110000450712347E', province: '000000' },
  hub: { org: '12110000450712347E', province: '000000' },
  // A provincial health-code platform (asks for vaccination status only).
  healthcode: { org: '12440000MB0C000109', province: '440000' },
};

export class DevJwtError extends Error {}

export interface Caller {
  readonly role: Role;
  readonly org: string;
  readonly province: string;
  readonly site?: string;
}

export interface DevJwtFiles {
  readonly dir: string;
  readonly jwksFile: string;
  readonly privateKeyFile: string;
  /** Settings that make a node trust these tokens. */
  readonly env: Readonly<Record<string, string>>;
}

const filesOf = (dir: string): DevJwtFiles => {
  const abs = resolve(dir);
  const jwksFile = join(abs, JWKS_FILE);
  const { issuer, audience } = issuerOf(abs);
  return {
    dir: abs,
    jwksFile,
    privateKeyFile: join(abs, PRIVATE_FILE),
    env: { AUTH_MODE: 'jwt', JWT_JWKS_FILE: jwksFile, JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
  };
};

/** Creates the key pair and JWKS in `dir` (kept if there already: tokens signed before stay valid). */
export const initDevJwt = async (dir: string, names: Partial<Issuer> = {}): Promise<DevJwtFiles & { created: boolean }> => {
  let files = filesOf(dir);
  try {
    readFileSync(files.privateKeyFile);
    return { ...files, created: false };
  } catch {
    // none yet
  }
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(files.dir, ISSUER_FILE),
    `${JSON.stringify({ issuer: names.issuer ?? DEV_ISSUER, audience: names.audience ?? DEV_AUDIENCE }, null, 2)}\n`,
  );
  files = filesOf(dir);
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `dev-es256-${randomBytes(4).toString('hex')}`;
  writeFileSync(files.privateKeyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' }), { mode: 0o600 });
  chmodSync(files.privateKeyFile, 0o600);
  writeFileSync(
    files.jwksFile,
    `${JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }, null, 2)}\n`,
  );
  return { ...files, created: true };
};

export const checkCaller = (caller: Caller): void => {
  if (!(ROLES as readonly string[]).includes(caller.role)) throw new DevJwtError(`--role must be one of ${ROLES.join(', ')}`);
  if (!isCanonicalOrgCode(caller.org)) throw new DevJwtError('--org must be a valid organisation code (USCC)');
  if (!/^\d{6}$/.test(caller.province)) throw new DevJwtError('--province must be a six-digit GB/T 2260 code (000000 = national)');
  if (caller.site !== undefined && caller.site !== caller.org && !caller.site.startsWith(`${caller.org}-`))
    throw new DevJwtError('--site must be the organisation code or {orgCode}-{suffix}');
};

/** A token for `caller`, signed with the key in `dir` (created by initDevJwt). */
export const signDevJwt = async (dir: string, caller: Caller, expiresInSeconds: number): Promise<string> => {
  checkCaller(caller);
  const files = filesOf(dir);
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(files.privateKeyFile, 'utf8')) as JWK;
  } catch {
    throw new DevJwtError(`no signing key in ${files.dir}: run \`jwt init --dir ${dir}\` first`);
  }
  const key = await importJWK(jwk, 'ES256');
  const { issuer, audience } = issuerOf(files.dir);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ org: caller.org, role: caller.role, province: caller.province, ...(caller.site ? { site: caller.site } : {}) })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? '', typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(`${caller.role}:${caller.org}`)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds)
    .sign(key);
};

export const devJwtFiles = filesOf;
