import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * The vault's master key wraps every per-person data key (envelope encryption, see
 * PersonVault). A wrapped key is AES-256-GCM: iv (12) | tag (16) | ciphertext, with the key
 * id as associated data, exactly as PersonVault writes it. Because only the small wrapped
 * keys depend on the master key, rotating it re-wraps one row per person and never touches
 * the encrypted details.
 */
export const MASTER_KEY_BYTES = 32;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const checkSchema = (schema: string): void => {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid vault schema ${schema}`);
};

export const newMasterKey = (): Buffer => randomBytes(MASTER_KEY_BYTES);

export const wrapDataKey = (masterKey: Buffer, dataKey: Buffer, keyId: string): Buffer => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
};

/** Throws when `masterKey` is not the key that wrapped it (GCM authentication fails). */
export const unwrapDataKey = (masterKey: Buffer, wrapped: Buffer, keyId: string): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(0, 12));
  decipher.setAAD(Buffer.from(keyId, 'utf8'));
  decipher.setAuthTag(wrapped.subarray(12, 28));
  return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
};

const opens = (masterKey: Buffer, wrapped: Buffer, keyId: string): boolean => {
  try {
    unwrapDataKey(masterKey, wrapped, keyId);
    return true;
  } catch {
    return false;
  }
};

/** True when the vault in `schema` stores at least one person key (then only its master key opens it). */
export const vaultHoldsKeys = async (pool: Pool, schema: string): Promise<boolean> => {
  checkSchema(schema);
  const { rows: exists } = await pool.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`${schema}.person_keys`]);
  if (!exists[0]?.t) return false;
  const { rows } = await pool.query(`SELECT 1 FROM ${schema}.person_keys LIMIT 1`);
  return rows.length > 0;
};

/**
 * What a master key can do with the vault in `schema`: `empty` when no person key is stored
 * (or the vault was never created), `opens` when it unwraps the stored keys it was tried on,
 * `wrong` when it does not (another key wrapped them). Reads only.
 */
export const checkMasterKey = async (pool: Pool, schema: string, masterKey: Buffer): Promise<'empty' | 'opens' | 'wrong'> => {
  if (!(await vaultHoldsKeys(pool, schema))) return 'empty';
  // The oldest and the newest key: a vault holding keys under two masters is found either way.
  const { rows } = await pool.query<{ key_id: string; wrapped_key: Buffer }>(
    `(SELECT key_id::text, wrapped_key FROM ${schema}.person_keys ORDER BY created_at ASC LIMIT 1)
     UNION ALL (SELECT key_id::text, wrapped_key FROM ${schema}.person_keys ORDER BY created_at DESC LIMIT 1)`,
  );
  if (rows.length === 0) return 'empty';
  return rows.every((r) => opens(masterKey, r.wrapped_key, r.key_id)) ? 'opens' : 'wrong';
};

export class MasterKeyRotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyRotationError';
  }
}

/**
 * Re-wraps every per-person key of the vault in `schema` from `from` to `to`, in one
 * transaction: either every key opens under `to` afterwards, or nothing changed (a key that
 * `from` cannot open aborts the whole rotation). New keys cannot be added meanwhile (the key
 * table is locked against writes); nodes still running with `from` must be stopped first,
 * since they would keep wrapping new keys under it.
 */
export const rotateMasterKey = async (
  pool: Pool,
  schema: string,
  from: Buffer,
  to: Buffer,
  options: { batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<{ rewrapped: number }> => {
  checkSchema(schema);
  if (from.length !== MASTER_KEY_BYTES || to.length !== MASTER_KEY_BYTES) throw new MasterKeyRotationError('master keys must be 32 bytes');
  if (from.equals(to)) throw new MasterKeyRotationError('the new master key is the current one');
  const batchSize = options.batchSize ?? 2000;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: exists } = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`${schema}.person_keys`]);
    if (!exists[0]?.t) {
      await client.query('ROLLBACK');
      return { rewrapped: 0 };
    }
    await client.query(`LOCK TABLE ${schema}.person_keys IN EXCLUSIVE MODE`);
    const { rows: counted } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.person_keys`);
    let after = '';
    let rewrapped = 0;
    for (;;) {
      const { rows } = await client.query<{ person_id: string; key_id: string; wrapped_key: Buffer }>(
        `SELECT person_id, key_id::text, wrapped_key FROM ${schema}.person_keys WHERE person_id > $1 ORDER BY person_id LIMIT $2`,
        [after, batchSize],
      );
      if (rows.length === 0) break;
      const persons: string[] = [];
      const wrapped: Buffer[] = [];
      for (const row of rows) {
        let dataKey: Buffer;
        try {
          dataKey = unwrapDataKey(from, row.wrapped_key, row.key_id);
        } catch {
          throw new MasterKeyRotationError(
            `key ${row.key_id} does not open under the current master key: nothing was changed (is the current key the right one?)`,
          );
        }
        persons.push(row.person_id);
        wrapped.push(wrapDataKey(to, dataKey, row.key_id));
      }
      await client.query(
        `UPDATE ${schema}.person_keys k SET wrapped_key = n.wrapped
           FROM unnest($1::text[], $2::bytea[]) AS n(person_id, wrapped) WHERE k.person_id = n.person_id`,
        [persons, wrapped],
      );
      rewrapped += rows.length;
      after = rows[rows.length - 1]!.person_id;
      options.onProgress?.(rewrapped);
    }
    if (rewrapped !== counted[0]?.n)
      throw new MasterKeyRotationError(`re-wrapped ${rewrapped} keys of ${counted[0]?.n ?? 0}: nothing was changed`);
    await client.query('COMMIT');
    return { rewrapped };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
