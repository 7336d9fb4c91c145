import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { checkMasterKey, MASTER_KEY_BYTES, newMasterKey, rotateMasterKey } from '@vaxledger/privacy';
import { Pool } from 'pg';
import type { NodeRuntime } from '../../../api/src/infrastructure/node-runtime';
import { NEXT_SUFFIX, VAULT_KEY_FILE, writeKeyFile } from '../../../api/src/infrastructure/vault-master-key';

export class RotateKeyError extends Error {}

export interface RotateKeyResult {
  readonly rewrapped: number;
  /** Where the new key is now: DATA_DIR/vault.key, or the --new-key-file to put in VAULT_MASTER_KEY. */
  readonly keyFile: string;
  readonly mode: 'data-dir' | 'setting';
}

const readKey = (file: string): Buffer | null => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== MASTER_KEY_BYTES) throw new RotateKeyError(`${file} does not hold a base64 ${MASTER_KEY_BYTES}-byte key`);
  return key;
};

/**
 * `vault rotate-key`: re-wraps every person key of this node's vault under a new master key
 * in one transaction (libs/privacy rotateMasterKey), and puts the new key where the node
 * will read it. The new key is on disk (fsync'd) before the transaction commits, so no crash
 * leaves the vault under a key nobody holds:
 * - embedded default without VAULT_MASTER_KEY: DATA_DIR/vault.key.next, renamed over
 *   vault.key after the commit (a start finishes an interrupted rename, see vault-master-key.ts);
 * - with VAULT_MASTER_KEY: the --new-key-file (created when missing); the operator then puts
 *   it in VAULT_MASTER_KEY for every node of this vault.
 */
export const rotateVaultKey = async (
  runtime: NodeRuntime,
  vaultSchema: string,
  options: {
    /** True on the embedded default without VAULT_MASTER_KEY (the key is DATA_DIR/vault.key). */
    keyInDataDir: boolean;
    newKeyFile?: string;
    onProgress?: (done: number) => void;
  },
): Promise<RotateKeyResult> => {
  const { settings } = runtime;
  const keyFileMode = options.keyInDataDir;
  let target: string;
  let next: Buffer;
  if (keyFileMode) {
    if (options.newKeyFile) throw new RotateKeyError('--new-key-file is for VAULT_MASTER_KEY; this node keeps its key in DATA_DIR');
    target = join(settings.dataDir, VAULT_KEY_FILE);
    next = newMasterKey();
    writeKeyFile(target + NEXT_SUFFIX, next);
  } else {
    if (!options.newKeyFile)
      throw new RotateKeyError('--new-key-file FILE is required with VAULT_MASTER_KEY (it is created with a new key when missing)');
    target = options.newKeyFile;
    next = readKey(target) ?? newMasterKey();
    writeKeyFile(target, next);
  }
  const pool = new Pool({ connectionString: runtime.databaseUrl, max: 1 });
  pool.on('error', () => undefined);
  try {
    // On failure vault.key.next stays: the next start keeps whichever key opens the vault (a
    // lost answer to COMMIT leaves no other way to know).
    const { rewrapped } = await rotateMasterKey(pool, vaultSchema, settings.vaultMasterKey, next, options);
    if ((await checkMasterKey(pool, vaultSchema, next)) === 'wrong') throw new RotateKeyError('the vault does not open under the new key');
    if (keyFileMode) renameSync(target + NEXT_SUFFIX, target);
    return { rewrapped, keyFile: target, mode: keyFileMode ? 'data-dir' : 'setting' };
  } finally {
    await pool.end();
  }
};
