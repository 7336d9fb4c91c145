import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { type CertificateKeys, type CertificateTrustList, ecThumbprint, type PublicJwk } from '@vaxledger/application';

/**
 * The province's certificate keys (docs/adr/0018-signed-certificates.md): one JSON file, mode
 * 0600, beside vault.key in DATA_DIR (or where CERTIFICATE_KEYS_FILE says). It holds the issuer
 * URL, the current ES256 private key, and the public halves of retired keys, which stay in the
 * JWKS so that cards signed before a rotation still verify. Rotation (`certificate rotate-key`)
 * drops the old private key: nothing can be signed with it again.
 */
export const CERTIFICATE_KEYS_FILE = 'certificate-keys.json';

interface StoredKey {
  readonly kid: string;
  readonly createdAt: string;
  readonly retiredAt?: string;
  readonly publicJwk: PublicJwk;
  /** Only on the current key. */
  readonly privateJwk?: JsonWebKey;
}

interface KeyFile {
  readonly version: 1;
  readonly issuer: string;
  readonly keys: readonly StoredKey[];
}

export class CertificateKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateKeyError';
  }
}

const newKey = (createdAt: string): StoredKey => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = ecThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! });
  return { kid, createdAt, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, kid, use: 'sig', alg: 'ES256' }, privateJwk: jwk };
};

const writeDurably = (path: string, file: KeyFile, exclusive: boolean): void => {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (exclusive && exists(path)) {
    rmSync(tmp, { force: true });
    throw new CertificateKeyError(`${path} already exists: use \`certificate rotate-key\` to replace its key`);
  }
  renameSync(tmp, path);
};

const exists = (path: string): boolean => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};

const readKeyFile = (path: string): KeyFile => {
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch {
    throw new CertificateKeyError(`certificate keys ${path} cannot be read as JSON`);
  }
  const current = Array.isArray(file.keys) ? file.keys.filter((k) => k.privateJwk) : [];
  if (file.version !== 1 || typeof file.issuer !== 'string' || current.length !== 1)
    throw new CertificateKeyError(`certificate keys ${path} must hold an issuer and exactly one current private key`);
  return file;
};

/** Creates the key file with a first key; refuses to overwrite one. */
export const createCertificateKeys = (path: string, issuer: string, now = new Date().toISOString()): string => {
  if (!/^https:\/\/\S+[^/]$/.test(issuer)) throw new CertificateKeyError('the issuer must be an https URL without a trailing slash');
  const key = newKey(now);
  writeDurably(path, { version: 1, issuer, keys: [key] }, true);
  return key.kid;
};

/** A new current key; the old one keeps only its public half (and its place in the JWKS). */
export const rotateCertificateKey = (path: string, now = new Date().toISOString()): { retired: string; current: string } => {
  const file = readKeyFile(path);
  const key = newKey(now);
  const old = file.keys.find((k) => k.privateJwk)!;
  const keys = file.keys.map((k) => (k.privateJwk ? { kid: k.kid, createdAt: k.createdAt, retiredAt: now, publicJwk: k.publicJwk } : k));
  writeDurably(path, { ...file, keys: [key, ...keys] }, false);
  return { retired: old.kid, current: key.kid };
};

const keysOf = (file: KeyFile): CertificateKeys => {
  const current = file.keys.find((k) => k.privateJwk)!;
  const privateKey = createPrivateKey({ key: current.privateJwk!, format: 'jwk' });
  if (
    ecThumbprint(createPublicKey(privateKey).export({ format: 'jwk' }) as { crv: string; kty: string; x: string; y: string }) !==
    current.kid
  )
    throw new CertificateKeyError(`the current certificate key does not match its kid ${current.kid}`);
  return {
    issuer: file.issuer,
    signing: { kid: current.kid, privateKey },
    publicKeys: [current.publicJwk, ...file.keys.filter((k) => k !== current).map((k) => k.publicJwk)],
  };
};

/** This province's entry of the national trust list: its issuer and every public key. */
export const trustEntryOf = (keys: CertificateKeys, province: string): CertificateTrustList => ({
  issuers: [{ iss: keys.issuer, province, keys: keys.publicKeys }],
});

/**
 * The node's view of its key file, re-read when the file changes (a rotation takes effect
 * without a restart). `createWith`: the issuer to create the file with when it is missing
 * (the embedded default, as vault.key); otherwise a missing file means "no certificates".
 */
export const certificateKeyFile = (path: string, createWith: string | null): (() => CertificateKeys | null) => {
  // Every write renames a new file into place: a new inode tells a change even within one mtime tick.
  let cached: { version: string; keys: CertificateKeys } | null = null;
  return () => {
    if (!exists(path)) {
      if (!createWith) return null;
      createCertificateKeys(path, createWith);
    }
    const { ino, mtimeMs, size } = statSync(path);
    const version = `${ino}:${mtimeMs}:${size}`;
    if (!cached || cached.version !== version) cached = { version, keys: keysOf(readKeyFile(path)) };
    return cached.keys;
  };
};
