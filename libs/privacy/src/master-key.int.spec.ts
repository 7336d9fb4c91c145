import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../test/support/database';
import { checkMasterKey, MasterKeyRotationError, rotateMasterKey } from './master-key';
import { PersonVault } from './vault';

// Master key rotation on real PostgreSQL: every person's details read the same before and
// after, under the new key only; a rotation that cannot open a key changes nothing.

const PERSONS = 23;
const personId = (i: number): string => `p1rot${String(i).padStart(23, '0')}`;
const detailsOf = (i: number) => ({
  name: `人${i}`,
  birthDate: `1990-01-${String((i % 28) + 1).padStart(2, '0')}`,
  sex: i % 2 ? ('M' as const) : ('F' as const),
});

describe('vault master key rotation', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 3 });
  const schema = freshSchema('vault_rot');
  const first = randomBytes(32);
  const second = randomBytes(32);

  const readAll = async (master: Buffer) => {
    const vault = new PersonVault(pool, master, schema);
    return Promise.all(Array.from({ length: PERSONS }, (_, i) => vault.readDetails(personId(i))));
  };

  beforeAll(async () => {
    const vault = new PersonVault(pool, first, schema);
    await vault.migrate();
    for (let i = 0; i < PERSONS; i += 1) await vault.storeDetails(personId(i), detailsOf(i));
    await vault.erase(personId(PERSONS - 1)); // an erased person has no key left to rotate
  });
  afterAll(() => pool.end());

  it('re-wraps every person key, so every record reads the same under the new key and not the old', async () => {
    const before = await readAll(first);
    expect(before.slice(0, PERSONS - 1)).toEqual(Array.from({ length: PERSONS - 1 }, (_, i) => detailsOf(i)));
    expect(before[PERSONS - 1]).toBeNull();
    const { rows: ciphertextBefore } = await pool.query(`SELECT person_id, ciphertext FROM ${schema}.person_details ORDER BY person_id`);

    const progress: number[] = [];
    const result = await rotateMasterKey(pool, schema, first, second, { batchSize: 5, onProgress: (n) => progress.push(n) });

    expect(result).toEqual({ rewrapped: PERSONS - 1 });
    expect(progress).toEqual([5, 10, 15, 20, 22]);
    expect(await readAll(second)).toEqual(before);
    await expect(readAll(first)).rejects.toThrow();
    await expect(checkMasterKey(pool, schema, second)).resolves.toBe('opens');
    await expect(checkMasterKey(pool, schema, first)).resolves.toBe('wrong');
    // The details themselves were not touched: only the wrapped keys changed.
    const { rows: ciphertextAfter } = await pool.query(`SELECT person_id, ciphertext FROM ${schema}.person_details ORDER BY person_id`);
    expect(ciphertextAfter).toEqual(ciphertextBefore);
  });

  it('changes nothing when the current key given is not the one that wrapped the keys', async () => {
    const { rows: keysBefore } = await pool.query(`SELECT person_id, wrapped_key FROM ${schema}.person_keys ORDER BY person_id`);
    await expect(rotateMasterKey(pool, schema, first, randomBytes(32), { batchSize: 5 })).rejects.toBeInstanceOf(MasterKeyRotationError);
    const { rows: keysAfter } = await pool.query(`SELECT person_id, wrapped_key FROM ${schema}.person_keys ORDER BY person_id`);
    expect(keysAfter).toEqual(keysBefore);
    expect((await readAll(second)).filter((d) => d !== null)).toHaveLength(PERSONS - 1);
  });

  it('rolls back a rotation that fails half-way, leaving every key under the current master', async () => {
    // One key wrapped under another master sorts after the others: the pages before it are re-wrapped, then the rotation stops.
    const stranger = new PersonVault(pool, randomBytes(32), schema);
    await stranger.storeDetails(personId(11).replace('p1rot', 'p1rou'), detailsOf(11));
    const { rows: keysBefore } = await pool.query(`SELECT person_id, wrapped_key FROM ${schema}.person_keys ORDER BY person_id`);
    await expect(rotateMasterKey(pool, schema, second, first, { batchSize: 5 })).rejects.toThrow(/does not open/);
    const { rows: keysAfter } = await pool.query(`SELECT person_id, wrapped_key FROM ${schema}.person_keys ORDER BY person_id`);
    expect(keysAfter).toEqual(keysBefore);
  });

  it('reports an empty vault and one that does not exist as empty', async () => {
    await expect(checkMasterKey(pool, freshSchema('vault_none'), first)).resolves.toBe('empty');
    const emptySchema = freshSchema('vault_empty');
    await new PersonVault(pool, first, emptySchema).migrate();
    await expect(checkMasterKey(pool, emptySchema, second)).resolves.toBe('empty');
    await expect(rotateMasterKey(pool, emptySchema, first, second)).resolves.toEqual({ rewrapped: 0 });
  });
});
