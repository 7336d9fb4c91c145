import { createDecipheriv, randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../test/support/database';
import { PersonVault, type Queryable, VaultKeyConflictError } from './vault';

// Unwraps a data key and opens a sealed value the way the vault does (iv | tag | body, AAD).
const open = (key: Buffer, sealed: Buffer, associated: string): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(associated, 'utf8'));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
};
const openWith = (master: Buffer, row: { key_id: string; wrapped_key: Buffer }, sealed: Buffer, personId: string): Buffer =>
  open(open(master, row.wrapped_key, row.key_id), sealed, personId);

describe('person vault on PostgreSQL', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const schema = freshSchema('vault');
  const master = randomBytes(32);
  const vault = new PersonVault(pool, master, schema);
  const details = { name: '张三', birthDate: '1990-03-07', sex: 'M' as const };

  beforeAll(() => vault.migrate());
  afterAll(() => pool.end());

  it('stores details encrypted and reads them back', async () => {
    const keyId = await vault.storeDetails('p1aaaaaaaaaaaaaaaaaaaaaaaaaa', details);
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(vault.readDetails('p1aaaaaaaaaaaaaaaaaaaaaaaaaa')).resolves.toEqual(details);
    const raw = await pool.query<{ ciphertext: Buffer }>(`SELECT ciphertext FROM ${schema}.person_details`);
    const bytes = Buffer.concat(raw.rows.map((r) => r.ciphertext));
    expect(bytes.includes(Buffer.from('张三', 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from('1990-03-07', 'utf8'))).toBe(false);
  });

  it('keeps an AEFI narrative encrypted under the person key, and erasure removes it', async () => {
    const person = 'p1nnnnnnnnnnnnnnnnnnnnnnnnnn';
    const narrative = { narrative: '接种后高热惊厥', contact: { name: '王五', phone: '13800000000', relationship: 'mother' } };
    await expect(vault.storeAefiNarrative(person, 'report-1', narrative)).resolves.toBe(true);
    await expect(vault.readAefiNarrative(person, 'report-1')).resolves.toEqual(narrative);
    // Bound to its person: another person's key cannot claim it.
    await expect(vault.readAefiNarrative('p1oooooooooooooooooooooooooo', 'report-1')).resolves.toBeNull();
    const raw = await pool.query<{ ciphertext: Buffer }>(`SELECT ciphertext FROM ${schema}.aefi_narratives`);
    expect(Buffer.concat(raw.rows.map((r) => r.ciphertext)).includes(Buffer.from('13800000000', 'utf8'))).toBe(false);
    await vault.erase(person);
    await expect(vault.readAefiNarrative(person, 'report-1')).resolves.toBeNull();
    const left = await pool.query(`SELECT 1 FROM ${schema}.aefi_narratives WHERE person_id = $1`, [person]);
    expect(left.rowCount).toBe(0);
    // An erased person's narratives are not kept again.
    await expect(vault.storeAefiNarrative(person, 'report-2', narrative)).resolves.toBe(false);
  });

  it('fails the statement, and so its transaction, when a new person got a key since it was read', async () => {
    const person = 'p1kkkkkkkkkkkkkkkkkkkkkkkkkk';
    const asQueryable = (client: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): Queryable => ({
      query: async <R>(sql: string, params?: readonly unknown[]) => (await client.query(sql, params ? [...params] : [])).rows as R[],
    });
    const stale = await vault.keyIn(asQueryable(pool), person);
    expect(stale.state).toBe('new');
    await vault.storeDetails(person, details);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await expect(vault.writeDetailsIn(asQueryable(client), stale, { ...details, name: '李四' })).rejects.toBeInstanceOf(
        VaultKeyConflictError,
      );
      // The transaction cannot commit anything else: a COMMIT sent with the write must roll back.
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await expect(vault.readDetails(person)).resolves.toEqual(details);
  });

  it('keeps one key per person', async () => {
    const a = await vault.ensureKey('p1bbbbbbbbbbbbbbbbbbbbbbbbbb');
    const b = await vault.ensureKey('p1bbbbbbbbbbbbbbbbbbbbbbbbbb');
    expect(a).toBe(b);
  });

  it('cannot read details after the key is destroyed, and destroying twice is harmless', async () => {
    const id = 'p1cccccccccccccccccccccccccc';
    const keyId = await vault.storeDetails(id, details);
    await expect(vault.destroyKey(id)).resolves.toBe(keyId);
    await expect(vault.readDetails(id)).resolves.toBeNull();
    await expect(vault.destroyKey(id)).resolves.toBeNull();
  });

  it('leaves a tombstone: a later dose stores no details and creates no key', async () => {
    const id = 'p1eeeeeeeeeeeeeeeeeeeeeeeeee';
    const keyId = await vault.storeDetails(id, details);
    const sealed = await pool.query<{ ciphertext: Buffer }>(`SELECT ciphertext FROM ${schema}.person_details WHERE person_id = $1`, [id]);
    expect(sealed.rows).toHaveLength(1);
    const [own] = (
      await pool.query<{ key_id: string; wrapped_key: Buffer }>(
        `SELECT key_id::text, wrapped_key FROM ${schema}.person_keys WHERE person_id = $1`,
        [id],
      )
    ).rows;
    expect(JSON.parse(openWith(master, own!, sealed.rows[0]!.ciphertext, id).toString('utf8'))).toEqual(details);
    await expect(vault.erase(id)).resolves.toBe(keyId);
    await expect(vault.isErased(id)).resolves.toBe(true);
    await expect(vault.storeDetails(id, details)).resolves.toBeNull();
    await expect(vault.ensureKey(id)).resolves.toBe(keyId);
    await expect(vault.readDetails(id)).resolves.toBeNull();
    const left = await pool.query(
      `SELECT 1 FROM ${schema}.person_keys WHERE person_id = $1 UNION ALL SELECT 1 FROM ${schema}.person_details WHERE person_id = $1`,
      [id],
    );
    expect(left.rows).toHaveLength(0);
    // A copy of the ciphertext kept elsewhere (a backup) opens under no key this vault still holds.
    const keys = await pool.query<{ key_id: string; wrapped_key: Buffer }>(`SELECT key_id::text, wrapped_key FROM ${schema}.person_keys`);
    const copy = sealed.rows[0]!.ciphertext;
    for (const row of keys.rows) expect(() => openWith(master, row, copy, id)).toThrow();
  });

  it('records an erasure received for a person it never held, under the origin’s key id', async () => {
    const id = 'p1ffffffffffffffffffffffffff';
    await expect(vault.erase(id, 'origin-key-1')).resolves.toBeNull();
    await expect(vault.ensureKey(id)).resolves.toBe('origin-key-1');
    await expect(vault.erase(id, 'origin-key-2')).resolves.toBeNull();
    await expect(vault.ensureKey(id)).resolves.toBe('origin-key-1');
  });

  it('refuses a wrong master key instead of returning garbage', async () => {
    const id = 'p1dddddddddddddddddddddddddd';
    await vault.storeDetails(id, details);
    const other = new PersonVault(pool, randomBytes(32), schema);
    await expect(other.readDetails(id)).rejects.toThrow();
  });
});
