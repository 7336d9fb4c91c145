import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '@vaxledger/config';
import { checkMasterKey, MASTER_KEY_BYTES, newMasterKey, vaultHoldsKeys } from '@vaxledger/privacy';
import type { Pool } from 'pg';

/**
 * The vault master key a node runs with (docs/adr/0014-embedded-key-file-and-lock.md). Set VAULT_MASTER_KEY and it is used
 * (required outside the embedded default). On the embedded default without it, the key lives
 * in DATA_DIR/vault.key (base64, mode 0600): created on the first start, read on every later
 * one. Either way the node refuses to start with a key that does not open the person keys
 * already stored, rather than answer 500 on every record later.
 *
 * A rotation (`vault rotate-key`) writes the new key to vault.key.next before it commits and
 * renames it over vault.key after; a start finding both finishes or forgets the rotation,
 * whichever of the two keys opens the vault.
 */
export const VAULT_KEY_FILE = 'vault.key';
export const NEXT_SUFFIX = '.next';

export class VaultKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultKeyError';
  }
}

type KeyFile =
  { readonly state: 'missing' } | { readonly state: 'bad'; readonly why: string } | { readonly state: 'ok'; readonly key: Buffer };

const readKeyFile = (path: string): KeyFile => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { state: 'missing' } : { state: 'bad', why: 'cannot be read' };
  }
  const value = text.trim();
  const key = Buffer.from(value, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || key.length !== MASTER_KEY_BYTES)
    return { state: 'bad', why: `does not hold a base64 ${MASTER_KEY_BYTES}-byte key` };
  return { state: 'ok', key };
};

/** Writes a key file durably (mode 0600, fsync, then an atomic rename); never overwrites with `exclusive`. */
export const writeKeyFile = (path: string, key: Buffer, exclusive = false): void => {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (exclusive && readKeyFile(path).state !== 'missing') {
    rmSync(tmp, { force: true });
    throw new VaultKeyError(`${path} appeared while this node was creating it`);
  }
  renameSync(tmp, path);
};

/**
 * The master key for this node's vault. `pool` reaches the database holding the vault in
 * `schema`; nothing is written there.
 */
export const openVaultMasterKey = async (settings: Settings, pool: Pool, schema: string): Promise<Buffer> => {
  if (settings.vaultMasterKey) {
    if ((await checkMasterKey(pool, schema, settings.vaultMasterKey)) === 'wrong')
      throw new VaultKeyError(
        `VAULT_MASTER_KEY does not open the person keys already in the vault (schema ${schema}): set it to the key they were stored under`,
      );
    return settings.vaultMasterKey;
  }
  if (!settings.embedded) throw new VaultKeyError('VAULT_MASTER_KEY is required outside the embedded default');
  return dataDirVaultKey(settings.dataDir, pool, schema);
};

const dataDirVaultKey = async (dataDir: string, pool: Pool, schema: string): Promise<Buffer> => {
  const path = join(dataDir, VAULT_KEY_FILE);
  const nextPath = path + NEXT_SUFFIX;
  const file = readKeyFile(path);
  const next = readKeyFile(nextPath);
  const fix = 'restore that file from your backup, or set VAULT_MASTER_KEY to the key the details were stored under';
  if (file.state === 'bad') throw new VaultKeyError(`vault key ${path} ${file.why}: ${fix}`);
  const current = file.state === 'ok' ? await checkMasterKey(pool, schema, file.key) : null;
  if (file.state === 'ok' && current !== 'wrong') {
    // An interrupted rotation that never committed leaves a next key nobody needs.
    if (next.state !== 'missing') rmSync(nextPath, { force: true });
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return file.key;
  }
  // A rotation that committed but did not rename yet: the next key is the one that opens the vault.
  if (next.state === 'ok' && (await checkMasterKey(pool, schema, next.key)) === 'opens') {
    renameSync(nextPath, path);
    return next.key;
  }
  if (file.state === 'ok') throw new VaultKeyError(`vault key ${path} does not open the person keys stored in ${dataDir}: ${fix}`);
  if (await vaultHoldsKeys(pool, schema))
    throw new VaultKeyError(`${dataDir} holds person details but its vault key ${path} is missing: ${fix}`);
  const key = newMasterKey();
  writeKeyFile(path, key, true);
  return key;
};
