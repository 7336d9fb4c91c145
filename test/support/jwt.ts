import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** A test identity provider: ES256 and RS256 signing keys, their JWKS on disk, and a token minter. */
export interface TestIdp {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksFile: string;
  /** Settings that make a node trust this provider. */
  readonly env: Record<string, string>;
  /** A signed token; `claims` override the defaults, `options` bend the header or times. */
  token(claims: JWTPayload, options?: TokenOptions): Promise<string>;
  /** Adds a new key (as after a rotation) and rewrites the JWKS file with old and new keys. */
  rotate(): Promise<string>;
}

export interface TokenOptions {
  readonly alg?: 'ES256' | 'RS256';
  /** A kid the JWKS does not list. */
  readonly kid?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; negative = in the past. */
  readonly expiresIn?: number;
  readonly notBefore?: number;
  /** Sign with a key of this provider that was never published. */
  readonly unpublishedKey?: boolean;
}

interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  readonly publicJwk: JWK;
}

const newKey = async (alg: 'ES256' | 'RS256'): Promise<SigningKey> => {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`;
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
};

export const startTestIdp = async (): Promise<TestIdp> => {
  const issuer = 'https://idp.test.vaxledger.example';
  const audience = 'vaxledger-api';
  const jwksFile = join(tmpdir(), `vx-jwks-${randomBytes(6).toString('hex')}.json`);
  const published: SigningKey[] = [await newKey('ES256'), await newKey('RS256')];
  const hidden = await newKey('ES256');
  const write = (): void => writeFileSync(jwksFile, JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
  write();
  return {
    issuer,
    audience,
    jwksFile,
    env: { JWT_JWKS_FILE: jwksFile, JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
    token: async (claims, options = {}) => {
      const alg = options.alg ?? 'ES256';
      const key = options.unpublishedKey ? hidden : published.filter((k) => k.alg === alg).at(-1)!;
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg, kid: options.kid ?? key.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    rotate: async () => {
      const next = await newKey('ES256');
      published.push(next);
      write();
      return next.kid;
    },
  };
};

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured token (`alg: none`), which must never be accepted. */
export const unsignedToken = (claims: JWTPayload): string => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;

/** An HS256 token signed with a guessable secret: symmetric algorithms must be refused. */
export const hs256Token = async (claims: JWTPayload, secret = 'not-a-key'): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));
