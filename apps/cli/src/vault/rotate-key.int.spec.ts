import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '@vaxledger/config';
import { PersonVault } from '@vaxledger/privacy';
import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import type { NodeRuntime } from '../../../api/src/infrastructure/node-runtime';
import { openVaultMasterKey } from '../../../api/src/infrastructure/vault-master-key';
import { rotateVaultKey } from './rotate-key';

// `vault rotate-key` on real PostgreSQL, both ways a node holds its key: every person's
// details read the same before and after, under the key the node will start with next.

const PERSONS = 12;
const personId = (i: number): string => `p1cli${String(i).padStart(23, '0')}`;
const detailsOf = (i: number) => ({ name: `李${i}`, birthDate: '1985-06-15', sex: 'F' as const });

describe('vault rotate-key', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const dataDir = mkdtempSync(join(tmpdir(), 'vx-rotate-'));
  afterAll(async () => {
    await pool.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The parts of a node the command uses: its settings (key resolved) and database. */
  const runtimeWith = (settings: ReturnType<typeof loadSettings>, key: Buffer): NodeRuntime =>
    ({ settings: { ...settings, vaultMasterKey: key }, databaseUrl: testDatabaseUrl() }) as unknown as NodeRuntime;

  const fill = async (key: Buffer, schema: string) => {
    const vault = new PersonVault(pool, key, schema);
    await vault.migrate();
    for (let i = 0; i < PERSONS; i += 1) await vault.storeDetails(personId(i), detailsOf(i));
  };
  const readAll = (key: Buffer, schema: string) => {
    const vault = new PersonVault(pool, key, schema);
    return Promise.all(Array.from({ length: PERSONS }, (_, i) => vault.readDetails(personId(i))));
  };

  it('on the embedded default, replaces DATA_DIR/vault.key with the new key once the person keys are re-wrapped', async () => {
    const schema = freshSchema('vault_cli');
    const settings = loadSettings({ DATA_DIR: dataDir });
    const old = await openVaultMasterKey(settings, pool, schema);
    await fill(old, schema);
    const before = await readAll(old, schema);
    expect(before).toEqual(Array.from({ length: PERSONS }, (_, i) => detailsOf(i)));

    const result = await rotateVaultKey(runtimeWith(settings, old), schema, { keyInDataDir: true });

    expect(result).toEqual({ rewrapped: PERSONS, keyFile: join(dataDir, 'vault.key'), mode: 'data-dir' });
    const next = Buffer.from(readFileSync(join(dataDir, 'vault.key'), 'utf8').trim(), 'base64');
    expect(next.equals(old)).toBe(false);
    expect(statSync(join(dataDir, 'vault.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(dataDir, 'vault.key.next'))).toBe(false);
    expect(await readAll(next, schema)).toEqual(before);
    // The next start reads the new key and accepts it.
    await expect(openVaultMasterKey(settings, pool, schema)).resolves.toEqual(next);
  });

  it('with VAULT_MASTER_KEY, writes the new key to --new-key-file for the operator to set', async () => {
    const schema = freshSchema('vault_cli');
    const old = randomBytes(32);
    const settings = loadSettings({ DATA_DIR: dataDir, VAULT_MASTER_KEY: old.toString('base64') });
    await fill(old, schema);
    const before = await readAll(old, schema);
    const newKeyFile = join(dataDir, 'new-master.key');

    const result = await rotateVaultKey(runtimeWith(settings, old), schema, { keyInDataDir: false, newKeyFile });

    expect(result).toMatchObject({ rewrapped: PERSONS, keyFile: newKeyFile, mode: 'setting' });
    const next = Buffer.from(readFileSync(newKeyFile, 'utf8').trim(), 'base64');
    expect(await readAll(next, schema)).toEqual(before);
    await expect(readAll(old, schema)).rejects.toThrow();
    const restarted = loadSettings({ DATA_DIR: dataDir, VAULT_MASTER_KEY: next.toString('base64') });
    await expect(openVaultMasterKey(restarted, pool, schema)).resolves.toEqual(next);
  });
});
