import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../test/support/database';
import { PersonVault } from './vault';

describe('person vault on PostgreSQL', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const schema = freshSchema('vault');
  const vault = new PersonVault(pool, randomBytes(32), schema);
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

  it('refuses a wrong master key instead of returning garbage', async () => {
    const id = 'p1dddddddddddddddddddddddddd';
    await vault.storeDetails(id, details);
    const other = new PersonVault(pool, randomBytes(32), schema);
    await expect(other.readDetails(id)).rejects.toThrow();
  });
});
