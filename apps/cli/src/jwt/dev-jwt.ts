import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

export const JWT_USAGE = `  jwt init [--dir D] [--issuer I] [--audience A]
                                         make a local signing key and its JWKS, for trying AUTH_MODE=jwt
  jwt token --role R --org O [--province P] [--site S] [--hours H] [--dir D]
                                         print a token signed with that key (role: ${['manufacturer', 'cdc', 'clinic', 'regulator', 'hub'].join(', ')})`;

export class JwtUsageError extends Error {}

/** What `jwt init` leaves in the folder besides the keys, so `jwt token` signs for the same node settings. */
interface LocalIdp {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
}

const DEFAULT_DIR = './jwt-dev';
const ROLES = ['manufacturer', 'cdc', 'clinic', 'regulator', 'hub'];

/**
 * A local stand-in for an identity provider, for trying AUTH_MODE=jwt without one: `init`
 * writes an ES256 key pair (private key readable by its owner only) and the public JWKS the
 * node reads (JWT_JWKS_FILE); `token` signs a token with the claims the node maps to a
 * caller (org, role, province, optional site). Not for production: there the provider
 * holds the private key and the node only its JWKS URL.
 */
export const runJwtCommand = async (args: readonly string[], log: (line: string) => void): Promise<number> => {
  const [sub, ...rest] = args;
  if (sub === 'init') return init(rest, log);
  if (sub === 'token') return token(rest, log);
  throw new JwtUsageError(sub ? `unknown jwt command: ${sub}` : 'jwt needs init or token');
};

const parse = (args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): Record<string, string | undefined> => {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new JwtUsageError(error instanceof Error ? error.message : String(error));
  }
};

const init = async (args: readonly string[], log: (line: string) => void): Promise<number> => {
  const v = parse(args, { dir: { type: 'string' }, issuer: { type: 'string' }, audience: { type: 'string' } });
  const dir = resolve(v.dir ?? DEFAULT_DIR);
  const idp: LocalIdp = {
    issuer: v.issuer ?? 'https://idp.local.vaxledger.example',
    audience: v.audience ?? 'vaxledger-api',
    kid: `local-es256-${randomBytes(4).toString('hex')}`,
  };
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateFile = join(dir, 'signing-key.jwk.json');
  await writeFile(privateFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid: idp.kid, alg: 'ES256' }), { mode: 0o600 });
  await chmod(privateFile, 0o600); // also when the file existed with wider rights
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: idp.kid, alg: 'ES256', use: 'sig' }] };
  await writeFile(join(dir, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
  await writeFile(join(dir, 'issuer.json'), `${JSON.stringify(idp, null, 2)}\n`);
  log(`wrote ${join(dir, 'jwks.json')} (public) and ${privateFile} (private, mode 0600); node settings:`);
  log(`AUTH_MODE=jwt`);
  log(`JWT_JWKS_FILE=${join(dir, 'jwks.json')}`);
  log(`JWT_ISSUER=${idp.issuer}`);
  log(`JWT_AUDIENCE=${idp.audience}`);
  return 0;
};

const token = async (args: readonly string[], log: (line: string) => void): Promise<number> => {
  const v = parse(args, {
    dir: { type: 'string' },
    role: { type: 'string' },
    org: { type: 'string' },
    province: { type: 'string' },
    site: { type: 'string' },
    hours: { type: 'string' },
  });
  if (!v.role || !ROLES.includes(v.role)) throw new JwtUsageError(`--role must be one of ${ROLES.join(', ')}`);
  if (!v.org) throw new JwtUsageError('--org is required (the caller organisation code)');
  const province = v.province ?? '000000';
  if (!/^\d{6}$/.test(province)) throw new JwtUsageError('--province must be a six-digit province code (000000 = national)');
  const hours = Number(v.hours ?? '8');
  if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) throw new JwtUsageError('--hours must be a number of hours from 0 to 720');
  const dir = resolve(v.dir ?? DEFAULT_DIR);
  let idp: LocalIdp;
  let jwk: JWK;
  try {
    idp = JSON.parse(await readFile(join(dir, 'issuer.json'), 'utf8')) as LocalIdp;
    jwk = JSON.parse(await readFile(join(dir, 'signing-key.jwk.json'), 'utf8')) as JWK;
  } catch {
    throw new JwtUsageError(`no local signing key in ${dir}: run jwt init first`);
  }
  const key = await importJWK(jwk, 'ES256');
  const signed = await new SignJWT({ org: v.org, role: v.role, province, ...(v.site ? { site: v.site } : {}) })
    .setProtectedHeader({ alg: 'ES256', kid: idp.kid, typ: 'JWT' })
    .setIssuer(idp.issuer)
    .setAudience(idp.audience)
    .setSubject(`${v.role}:${v.org}`)
    .setIssuedAt()
    .setExpirationTime(`${Math.round(hours * 3600)}s`)
    .sign(key);
  log(signed);
  return 0;
};
