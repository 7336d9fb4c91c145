import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '@vaxledger/config';

/**
 * The Ed25519 key a node signs its log checkpoints with (ADR 0019,
 * docs/adr/0023-log-leaves-after-commit.md): SYNC_SIGNING_KEY when it is set. The embedded
 * default has none, so it keeps its own in DATA_DIR/sync-signing.key (PKCS#8 PEM, mode 0600),
 * created on the first start like vault.key. The file is in the form SYNC_SIGNING_KEY takes:
 * a node that later joins a federation sets SYNC_SIGNING_KEY to it (and publishes its public
 * key on the trust list), so the checkpoints it signed alone stay verifiable by its peers.
 * Elsewhere, without SYNC_SIGNING_KEY, there is no key and no checkpoint.
 */
export const LOG_SIGNING_KEY_FILE = 'sync-signing.key';

export class LogSigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogSigningKeyError';
  }
}

const readKey = (path: string): KeyObject | null => {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LogSigningKeyError(`${path} cannot be read`);
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType === 'ed25519') return key;
  } catch {
    // Reported below without the file's content.
  }
  throw new LogSigningKeyError(`${path} does not hold an Ed25519 private key (PKCS#8 PEM)`);
};

/** Writes a new key durably, never over an existing file (a second process racing here loses and reads the winner's). */
const createKey = (path: string): void => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
};

/**
 * `inDataDir`: this process runs the embedded default's own database in DATA_DIR (and holds the
 * folder's lock), not merely settings without DATABASE_URL that a caller pointed elsewhere.
 */
export const openLogSigningKey = (settings: Pick<Settings, 'syncSigningKey' | 'dataDir'>, inDataDir: boolean): KeyObject | null => {
  if (settings.syncSigningKey) return settings.syncSigningKey;
  if (!inDataDir) return null;
  const path = join(settings.dataDir, LOG_SIGNING_KEY_FILE);
  const existing = readKey(path);
  if (existing) return existing;
  createKey(path);
  const created = readKey(path);
  if (!created) throw new LogSigningKeyError(`${path} could not be created`);
  return created;
};
