import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

/** What the vault keeps about a person; never written to the log, Kafka or logs. */
export interface PersonDetails {
  readonly name: string;
  readonly birthDate: string;
  readonly sex: 'M' | 'F' | 'U';
}

/** What an AEFI report keeps out of the log: the free-text narrative and how to reach the reporter or guardian. */
export interface AefiNarrative {
  readonly narrative: string;
  readonly contact?: { readonly name?: string; readonly phone?: string; readonly relationship?: string };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Anything that runs a statement: the vault's pool, or a transaction's connection. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * A person's key as a command in a transaction sees it: existing, erased (no key; details are
 * not stored again), or new (created with the details, in the same transaction).
 */
export interface PersonKey {
  readonly personId: string;
  readonly keyId: string;
  readonly state: 'existing' | 'erased' | 'new';
  /** The unwrapped data key (null when erased). */
  readonly key: Buffer | null;
}

/** The SQLSTATE `details_stored` raises: see VaultKeyConflictError. */
const KEY_CONFLICT_SQLSTATE = 'VXV01';

/** A command's details write conflicted with a concurrent first contact: re-run the command. */
export class VaultKeyConflictError extends Error {
  readonly code = 'STREAM_CONFLICT';
  constructor(personId: string) {
    super(`the vault key of ${personId} was created concurrently`);
  }
}

/** Key id recorded for an erased person when this node never held a key for them. */
export const ERASED_KEY = 'erased';

/**
 * Personal details, encrypted with a per-person data key (AES-256-GCM). The data key is
 * wrapped by the node's master key (in production a KMS/HSM key; here derived from
 * configuration) and stored in a key table outside the event log. Destroying the key row
 * makes every copy of the ciphertext unreadable: crypto-shredding.
 *
 * Erasure is final: it leaves a tombstone (person, destroyed key id, time) so that a later
 * dose for the same pseudonym records the dose but never stores the details again, on this
 * node or on any node that received the erasure. The tombstone holds no personal data.
 */
export class PersonVault {
  /** Unwrapped data keys of recently seen persons: a dose then costs one write, not four. */
  private readonly keys = new Map<string, { keyId: string; key: Buffer }>();
  private static readonly CACHE_LIMIT = 10_000;

  constructor(
    private readonly pool: Pool,
    private readonly masterKey: Buffer,
    private readonly schema = 'vault',
  ) {
    if (masterKey.length !== 32) throw new Error('vault master key must be 32 bytes');
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid vault schema ${schema}`);
  }

  async migrate(): Promise<void> {
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${this.schema};
      CREATE TABLE IF NOT EXISTS ${this.schema}.person_keys (
        person_id text PRIMARY KEY,
        key_id uuid NOT NULL UNIQUE,
        wrapped_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${this.schema}.person_details (
        person_id text PRIMARY KEY,
        key_id uuid NOT NULL,
        ciphertext bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE IF NOT EXISTS ${this.schema}.aefi_narratives (
        report_id text PRIMARY KEY,
        person_id text NOT NULL,
        ciphertext bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS aefi_narratives_person ON ${this.schema}.aefi_narratives (person_id);
      CREATE TABLE IF NOT EXISTS ${this.schema}.person_erasures (
        person_id text PRIMARY KEY,
        key_id text,
        erased_at timestamptz NOT NULL DEFAULT now()
      );
      -- A new person's details that were not stored (another key came first, or an erasure)
      -- as an error, so that the statement and its transaction fail (writeDetailsIn).
      CREATE OR REPLACE FUNCTION ${this.schema}.details_stored(p_rows bigint) RETURNS boolean
      LANGUAGE plpgsql AS $fn$
      BEGIN
        IF p_rows = 0 THEN
          RAISE EXCEPTION USING ERRCODE = '${KEY_CONFLICT_SQLSTATE}', MESSAGE = 'the person got a key or was erased meanwhile';
        END IF;
        RETURN true;
      END $fn$;`);
  }

  /**
   * The person's key id, creating a key on first contact. For an erased person it is the
   * destroyed key's id (or null when this node never held one) and no key is created.
   */
  async ensureKey(personId: string): Promise<string> {
    const existing = await this.pool.query<{ key_id: string | null; erased: boolean }>(
      `SELECT key_id::text, false AS erased FROM ${this.schema}.person_keys WHERE person_id = $1
       UNION ALL SELECT key_id, true FROM ${this.schema}.person_erasures WHERE person_id = $1`,
      [personId],
    );
    const erasure = existing.rows.find((r) => r.erased);
    if (erasure) return erasure.key_id ?? ERASED_KEY;
    if (existing.rows[0]?.key_id) return existing.rows[0].key_id;
    const keyId = randomUUID();
    const wrapped = this.seal(this.masterKey, randomBytes(32), keyId);
    // Never create a key for a person erased meanwhile.
    const inserted = await this.pool.query<{ key_id: string }>(
      `INSERT INTO ${this.schema}.person_keys (person_id, key_id, wrapped_key)
       SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM ${this.schema}.person_erasures WHERE person_id = $1)
       ON CONFLICT (person_id) DO UPDATE SET person_id = EXCLUDED.person_id RETURNING key_id`,
      [personId, keyId, wrapped],
    );
    return inserted.rows[0]?.key_id ?? this.ensureKey(personId);
  }

  /**
   * Encrypts and stores the details under the person's key; returns the key id, or null
   * when the person's details were erased (they are not kept again).
   */
  async storeDetails(personId: string, details: PersonDetails): Promise<string | null> {
    // For an erased person ensureKey creates nothing and no key is found: nothing is stored.
    const keyId = await this.ensureKey(personId);
    const key = this.keys.get(personId)?.key ?? (await this.dataKey(personId));
    if (!key) return null;
    const ciphertext = this.seal(key, Buffer.from(JSON.stringify(details), 'utf8'), personId);
    const stored = await this.pool.query(
      `INSERT INTO ${this.schema}.person_details (person_id, key_id, ciphertext)
       SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM ${this.schema}.person_erasures WHERE person_id = $1)
       ON CONFLICT (person_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, key_id = EXCLUDED.key_id, updated_at = now()`,
      [personId, keyId, ciphertext],
    );
    return stored.rowCount === 1 ? keyId : null;
  }

  /**
   * The person's key inside a command's transaction, with one read. A new key is not written
   * yet: `writeDetailsIn` writes it with the details, so a refused command leaves nothing.
   */
  async keyIn(db: Queryable, personId: string): Promise<PersonKey> {
    const rows = await db.query<{ key_id: string | null; wrapped_key: Buffer | null; erased: boolean }>(
      `SELECT key_id::text, wrapped_key, false AS erased FROM ${this.schema}.person_keys WHERE person_id = $1
       UNION ALL SELECT key_id, NULL, true FROM ${this.schema}.person_erasures WHERE person_id = $1`,
      [personId],
    );
    const erasure = rows.find((r) => r.erased);
    if (erasure) return { personId, keyId: erasure.key_id ?? ERASED_KEY, state: 'erased', key: null };
    const row = rows[0];
    if (row?.key_id && row.wrapped_key) {
      return { personId, keyId: row.key_id, state: 'existing', key: this.open(this.masterKey, row.wrapped_key, row.key_id) };
    }
    return { personId, keyId: randomUUID(), state: 'new', key: randomBytes(32) };
  }

  /** `keyIn` for many persons with one read (bulk loads); every person asked is in the answer. */
  async keysIn(db: Queryable, personIds: readonly string[]): Promise<Map<string, PersonKey>> {
    const ids = [...new Set(personIds)];
    const rows =
      ids.length === 0
        ? []
        : await db.query<{ person_id: string; key_id: string | null; wrapped_key: Buffer | null; erased: boolean }>(
            `SELECT person_id, key_id::text, wrapped_key, false AS erased FROM ${this.schema}.person_keys WHERE person_id = ANY($1::text[])
             UNION ALL SELECT person_id, key_id, NULL, true FROM ${this.schema}.person_erasures WHERE person_id = ANY($1::text[])`,
            [ids],
          );
    const keys = new Map<string, PersonKey>();
    for (const row of rows) {
      if (row.erased) keys.set(row.person_id, { personId: row.person_id, keyId: row.key_id ?? ERASED_KEY, state: 'erased', key: null });
      else if (!keys.has(row.person_id) && row.key_id && row.wrapped_key)
        keys.set(row.person_id, {
          personId: row.person_id,
          keyId: row.key_id,
          state: 'existing',
          key: this.open(this.masterKey, row.wrapped_key, row.key_id),
        });
    }
    for (const id of ids) if (!keys.has(id)) keys.set(id, { personId: id, keyId: randomUUID(), state: 'new', key: randomBytes(32) });
    return keys;
  }

  /**
   * `writeDetailsIn` for many persons (one entry each) in one statement: new keys and all the
   * details together. A new key that another transaction created first, or a person erased
   * meanwhile, is a VaultKeyConflictError for the whole statement (the caller re-runs its
   * commands one by one).
   */
  async writeDetailsManyIn(db: Queryable, entries: readonly { personKey: PersonKey; details: PersonDetails }[]): Promise<void> {
    const live = entries.filter((e) => e.personKey.state !== 'erased' && e.personKey.key);
    if (live.length === 0) return;
    const ids: string[] = [];
    const keyIds: string[] = [];
    const wrapped: (Buffer | null)[] = [];
    const ciphertexts: Buffer[] = [];
    for (const { personKey, details } of live) {
      ids.push(personKey.personId);
      keyIds.push(personKey.keyId);
      wrapped.push(personKey.state === 'new' ? this.seal(this.masterKey, personKey.key!, personKey.keyId) : null);
      ciphertexts.push(this.seal(personKey.key!, Buffer.from(JSON.stringify(details), 'utf8'), personKey.personId));
    }
    const rows = await db.query<{ person_id: string }>(
      `WITH d AS (
         SELECT * FROM unnest($1::text[], $2::uuid[], $3::bytea[], $4::bytea[]) AS d(person_id, key_id, wrapped, ciphertext)
          WHERE NOT EXISTS (SELECT 1 FROM ${this.schema}.person_erasures e WHERE e.person_id = d.person_id)),
       k AS (
         INSERT INTO ${this.schema}.person_keys (person_id, key_id, wrapped_key)
         SELECT person_id, key_id, wrapped FROM d WHERE wrapped IS NOT NULL
         ON CONFLICT (person_id) DO NOTHING RETURNING person_id)
       INSERT INTO ${this.schema}.person_details (person_id, key_id, ciphertext)
       SELECT d.person_id, d.key_id, d.ciphertext FROM d WHERE d.wrapped IS NULL OR d.person_id IN (SELECT person_id FROM k)
       ON CONFLICT (person_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, key_id = EXCLUDED.key_id, updated_at = now()
       RETURNING person_id`,
      [ids, keyIds, wrapped, ciphertexts],
    );
    const stored = new Set(rows.map((r) => r.person_id));
    const missing = live.find((e) => e.personKey.state === 'new' && !stored.has(e.personKey.personId));
    if (missing) throw new VaultKeyConflictError(missing.personKey.personId);
  }

  /**
   * Encrypts and stores the details in the command's transaction (with the key when new), in
   * one statement. Erased persons' details are never stored again. A concurrent first contact
   * of the same person is a VaultKeyConflictError (the command re-runs and finds that key).
   */
  async writeDetailsIn(db: Queryable, personKey: PersonKey, details: PersonDetails): Promise<void> {
    if (personKey.state === 'erased' || !personKey.key) return;
    const ciphertext = this.seal(personKey.key, Buffer.from(JSON.stringify(details), 'utf8'), personKey.personId);
    const upsert = `INSERT INTO ${this.schema}.person_details (person_id, key_id, ciphertext)`;
    const onConflict = `ON CONFLICT (person_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, key_id = EXCLUDED.key_id, updated_at = now()
      RETURNING 1 AS stored`;
    if (personKey.state === 'existing') {
      await db.query(
        `${upsert} SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM ${this.schema}.person_erasures WHERE person_id = $1) ${onConflict}`,
        [personKey.personId, personKey.keyId, ciphertext],
      );
      return;
    }
    const wrapped = this.seal(this.masterKey, personKey.key, personKey.keyId);
    // A key created (or the person erased) since `keyIn` read fails the statement itself, not
    // only this call: the transaction may already be committing (StoreTransaction.commitWith),
    // and it must not commit a dose whose details were not kept.
    try {
      await db.query(
        `WITH k AS (
           INSERT INTO ${this.schema}.person_keys (person_id, key_id, wrapped_key)
           SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM ${this.schema}.person_erasures WHERE person_id = $1)
           ON CONFLICT (person_id) DO NOTHING RETURNING key_id),
         d AS (${upsert} SELECT $1, k.key_id, $4 FROM k ${onConflict})
         SELECT ${this.schema}.details_stored(count(*)) FROM d`,
        [personKey.personId, personKey.keyId, wrapped, ciphertext],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === KEY_CONFLICT_SQLSTATE) throw new VaultKeyConflictError(personKey.personId);
      throw error;
    }
  }

  /**
   * Stores an AEFI report's narrative and contact details under the person's key, so that
   * erasing the person's details erases them too. Returns false (nothing kept) for an
   * erased person.
   */
  async storeAefiNarrative(personId: string, reportId: string, narrative: AefiNarrative): Promise<boolean> {
    await this.ensureKey(personId);
    const key = await this.dataKey(personId);
    if (!key) return false;
    const ciphertext = this.seal(key, Buffer.from(JSON.stringify(narrative), 'utf8'), `${personId}|aefi|${reportId}`);
    const stored = await this.pool.query(
      `INSERT INTO ${this.schema}.aefi_narratives (report_id, person_id, ciphertext)
       SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM ${this.schema}.person_erasures WHERE person_id = $2)
       ON CONFLICT (report_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext WHERE ${this.schema}.aefi_narratives.person_id = EXCLUDED.person_id`,
      [reportId, personId, ciphertext],
    );
    return stored.rowCount === 1;
  }

  /** The narrative of one report, or null when none is kept here or the person's key was destroyed. */
  async readAefiNarrative(personId: string, reportId: string): Promise<AefiNarrative | null> {
    const { rows } = await this.pool.query<{ ciphertext: Buffer }>(
      `SELECT ciphertext FROM ${this.schema}.aefi_narratives WHERE report_id = $1 AND person_id = $2`,
      [reportId, personId],
    );
    const key = rows[0] ? await this.dataKey(personId) : null;
    if (!rows[0] || !key) return null;
    return JSON.parse(this.open(key, rows[0].ciphertext, `${personId}|aefi|${reportId}`).toString('utf8')) as AefiNarrative;
  }

  /** True once the person's details were erased on this node. */
  async isErased(personId: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM ${this.schema}.person_erasures WHERE person_id = $1`, [personId]);
    return rows.length > 0;
  }

  /** The details, or null when none are stored here or the key was destroyed. */
  async readDetails(personId: string): Promise<PersonDetails | null> {
    const { rows } = await this.pool.query<{ ciphertext: Buffer }>(
      `SELECT ciphertext FROM ${this.schema}.person_details WHERE person_id = $1`,
      [personId],
    );
    const key = await this.dataKey(personId);
    if (!rows[0] || !key) return null;
    return JSON.parse(this.open(key, rows[0].ciphertext, personId).toString('utf8')) as PersonDetails;
  }

  /**
   * Crypto-shredding: destroys the person's data key, deletes the (now unreadable)
   * ciphertext and leaves the tombstone, in one statement. `keyId` names the key in the
   * tombstone when this node held none (an erasure received from another province).
   * Idempotent: returns the id of the key destroyed now, null when there was none.
   *
   * `db` runs it in a caller's transaction (the projector applying PersonDetailsErased): on the
   * embedded default one transaction runs at a time, so a statement of the vault's own pool
   * issued from inside another open transaction would wait for that transaction for ever.
   */
  async erase(personId: string, keyId?: string, db?: Queryable): Promise<string | null> {
    this.keys.delete(personId);
    const rows = await (db ?? this.poolQueryable()).query<{ key_id: string }>(
      `WITH gone AS (DELETE FROM ${this.schema}.person_keys WHERE person_id = $1 RETURNING key_id::text),
            details AS (DELETE FROM ${this.schema}.person_details WHERE person_id = $1),
            narratives AS (DELETE FROM ${this.schema}.aefi_narratives WHERE person_id = $1),
            tombstone AS (
              INSERT INTO ${this.schema}.person_erasures (person_id, key_id)
              VALUES ($1, coalesce((SELECT key_id FROM gone LIMIT 1), $2::text))
              ON CONFLICT (person_id) DO NOTHING)
       SELECT key_id FROM gone`,
      [personId, keyId ?? null],
    );
    this.keys.delete(personId);
    return rows[0]?.key_id ?? null;
  }

  private poolQueryable(): Queryable {
    return {
      query: async <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]> =>
        (await this.pool.query<R>(sql, params ? [...params] : undefined)).rows,
    };
  }

  /** Crypto-shredding without a key id to record (see `erase`). Idempotent. */
  destroyKey(personId: string): Promise<string | null> {
    return this.erase(personId);
  }

  private async dataKey(personId: string): Promise<Buffer | null> {
    const { rows } = await this.pool.query<{ key_id: string; wrapped_key: Buffer }>(
      `SELECT key_id, wrapped_key FROM ${this.schema}.person_keys WHERE person_id = $1`,
      [personId],
    );
    const row = rows[0];
    return row ? this.open(this.masterKey, row.wrapped_key, row.key_id) : null;
  }

  // iv (12) | tag (16) | ciphertext; the associated data binds a ciphertext to its owner.
  private seal(key: Buffer, plaintext: Buffer, associated: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associated, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  private open(key: Buffer, sealed: Buffer, associated: string): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  }
}
