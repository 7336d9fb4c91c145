import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Actor, ROLES, type Role } from '@vaxledger/domain';
import type { Pool } from 'pg';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * An API key as presented: `vxk_<id>_<secret>`. The id (12 hex characters) finds the row; the
 * secret (32 random bytes, base64url) proves possession. Only SHA-256 of the whole key is kept.
 */
const KEY_FORMAT = /^vxk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** What an issued key lets its holder act as; listing never shows the key itself. */
export interface ApiKeyInfo {
  readonly keyId: string;
  readonly orgCode: string;
  readonly role: Role;
  readonly provinceCode: string;
  readonly siteCode: string | null;
  readonly label: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface IssueApiKey {
  readonly orgCode: string;
  readonly role: Role;
  readonly provinceCode: string;
  readonly siteCode?: string | null;
  readonly label?: string;
}

// A key carries 256 random bits, so a fast hash is enough: nobody can search that space,
// which is what scrypt or bcrypt slow down for low-entropy passwords. A slow hash would only
// cost every machine request CPU time. See docs/security.md (Keys).
const PRUNE_EVERY_MS = 10 * 60_000;

const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * The node's access tables, beside the vault's: API keys for machine clients (manufacturer ERP
 * docking) and the short-lived grants that let a clinic read the record of a person it has just
 * looked up by ID document. Neither is an event: keys are credentials, grants are sessions.
 */
export class AuthStore {
  private prunedAt = 0;

  constructor(
    private readonly pool: Pool,
    private readonly schema = 'auth',
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid auth schema ${schema}`);
  }

  async migrate(): Promise<void> {
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${this.schema};
      CREATE TABLE IF NOT EXISTS ${this.schema}.api_keys (
        key_id text PRIMARY KEY,
        key_hash bytea NOT NULL,
        org_code text NOT NULL,
        role text NOT NULL,
        province_code text NOT NULL,
        site_code text,
        label text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE TABLE IF NOT EXISTS ${this.schema}.person_grants (
        grantee text NOT NULL,
        person_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (grantee, person_id)
      );`);
  }

  /** Creates a key; the returned `key` is shown once and never stored. */
  async issueApiKey(input: IssueApiKey): Promise<{ key: string; info: ApiKeyInfo }> {
    const keyId = randomBytes(6).toString('hex');
    const key = `vxk_${keyId}_${randomBytes(32).toString('base64url')}`;
    const rows = await this.pool.query<Row>(
      `INSERT INTO ${this.schema}.api_keys (key_id, key_hash, org_code, role, province_code, site_code, label)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [keyId, hashKey(key), input.orgCode, input.role, input.provinceCode, input.siteCode ?? null, input.label ?? ''],
    );
    return { key, info: toInfo(rows.rows[0]!) };
  }

  /** Revokes a key at once (the next request with it is refused); false if there is no such live key. */
  async revokeApiKey(keyId: string): Promise<boolean> {
    const result = await this.pool.query(`UPDATE ${this.schema}.api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL`, [
      keyId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async listApiKeys(): Promise<ApiKeyInfo[]> {
    const rows = await this.pool.query<Row>(`SELECT * FROM ${this.schema}.api_keys ORDER BY created_at, key_id`);
    return rows.rows.map(toInfo);
  }

  /** The caller a presented key stands for, or null (malformed, unknown, wrong secret or revoked). */
  async authenticateApiKey(presented: string): Promise<Actor | null> {
    const match = KEY_FORMAT.exec(presented.trim());
    if (!match) return null;
    const rows = await this.pool.query<Row>(`SELECT * FROM ${this.schema}.api_keys WHERE key_id = $1`, [match[1]]);
    const row = rows.rows[0];
    if (!row || row.revoked_at !== null) return null;
    if (!timingSafeEqual(row.key_hash, hashKey(presented.trim()))) return null;
    if (!(ROLES as readonly string[]).includes(row.role)) return null;
    return {
      orgCode: row.org_code,
      role: row.role as Role,
      provinceCode: row.province_code,
      siteCode: row.site_code ?? row.org_code,
    };
  }

  /**
   * The grantee may read this person's record until `ttlMs` from now. `db`: a command's
   * transaction, so the grant commits with the dose that justifies it.
   */
  async grantPerson(
    grantee: string,
    personId: string,
    ttlMs: number,
    db: { query(sql: string, params?: readonly unknown[]): Promise<unknown> } = this.pool,
  ): Promise<void> {
    // Expired grants are already ignored; clearing them now and then keeps the table small.
    // On `db`: inside a command's transaction on PGlite (one session), another connection would
    // wait for ever. One statement, the clearing included: a dose sends it with its COMMIT
    // (StoreTransaction.commitWith), after which no second statement could run.
    const prune = Date.now() - this.prunedAt > PRUNE_EVERY_MS;
    if (prune) this.prunedAt = Date.now();
    await db.query(
      `WITH pruned AS (
         DELETE FROM ${this.schema}.person_grants
          WHERE $4::boolean AND expires_at <= now() AND NOT (grantee = $1 AND person_id = $2))
       INSERT INTO ${this.schema}.person_grants (grantee, person_id, expires_at)
       VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (grantee, person_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [grantee, personId, ttlMs, prune],
    );
  }

  /** `grantPerson` for many (grantee, person) pairs in one statement, in a command's transaction `db`. */
  async grantPersons(
    grants: readonly { grantee: string; personId: string }[],
    ttlMs: number,
    db: { query(sql: string, params?: readonly unknown[]): Promise<unknown> } = this.pool,
  ): Promise<void> {
    // One row per pair: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
    const pairs = new Map(grants.map((g) => [`${g.grantee}\u0000${g.personId}`, g]));
    if (pairs.size === 0) return;
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await db.query(`DELETE FROM ${this.schema}.person_grants WHERE expires_at <= now()`);
    }
    await db.query(
      `INSERT INTO ${this.schema}.person_grants (grantee, person_id, expires_at)
       SELECT g, p, now() + $3 * interval '1 millisecond' FROM unnest($1::text[], $2::text[]) AS x(g, p)
       ON CONFLICT (grantee, person_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [[...pairs.values()].map((g) => g.grantee), [...pairs.values()].map((g) => g.personId), ttlMs],
    );
  }

  async hasPersonGrant(grantee: string, personId: string): Promise<boolean> {
    const rows = await this.pool.query(
      `SELECT 1 FROM ${this.schema}.person_grants WHERE grantee = $1 AND person_id = $2 AND expires_at > now()`,
      [grantee, personId],
    );
    return rows.rows.length > 0;
  }

  /** Drops expired grants. */
  async pruneGrants(): Promise<number> {
    const result = await this.pool.query(`DELETE FROM ${this.schema}.person_grants WHERE expires_at <= now()`);
    return result.rowCount ?? 0;
  }
}

interface Row {
  key_id: string;
  key_hash: Buffer;
  org_code: string;
  role: string;
  province_code: string;
  site_code: string | null;
  label: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toInfo = (row: Row): ApiKeyInfo => ({
  keyId: row.key_id,
  orgCode: row.org_code,
  role: row.role as Role,
  provinceCode: row.province_code,
  siteCode: row.site_code,
  label: row.label,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});
