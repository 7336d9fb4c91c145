import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '@vaxledger/config';
import { PersonVault, rotateMasterKey } from '@vaxledger/privacy';
import { Pool } from 'pg';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { openVaultMasterKey, VaultKeyError } from './vault-master-key';

// The vault key of the embedded default: made once in DATA_DIR (0600) and reused; a folder
// whose vault holds keys and has no usable key file is refused with a line naming the file
// and VAULT_MASTER_KEY; an interrupted rotation is finished or forgotten on the next start.
// The vault is on the run's PostgreSQL; DATA_DIR is a temporary folder.

describe('the vault master key on the embedded default', () => {
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  const dirs: string[] = [];
  afterAll(async () => {
    await pool.end();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const fresh = () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vx-key-'));
    dirs.push(dataDir);
    const settings = loadSettings({ DATA_DIR: dataDir });
    return { dataDir, settings, schema: freshSchema('vault_key'), keyFile: join(dataDir, 'vault.key') };
  };
  const storeOne = async (master: Buffer, schema: string): Promise<void> => {
    const vault = new PersonVault(pool, master, schema);
    await vault.migrate();
    await vault.storeDetails(`p1key${randomBytes(8).toString('hex')}`, { name: '王五', birthDate: '1990-01-01', sex: 'U' });
  };

  it('creates the key once, mode 0600, and reuses it', async () => {
    const { settings, schema, keyFile } = fresh();
    expect(settings.vaultMasterKey).toBeNull();
    const key = await openVaultMasterKey(settings, pool, schema);
    expect(key).toHaveLength(32);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toEqual(key);
    await storeOne(key, schema);
    await expect(openVaultMasterKey(settings, pool, schema)).resolves.toEqual(key);
  });

  it('refuses a folder whose vault holds keys when the key file is missing, naming the file and the setting', async () => {
    const { settings, schema, keyFile, dataDir } = fresh();
    await storeOne(await openVaultMasterKey(settings, pool, schema), schema);
    rmSync(keyFile);
    const refusal = openVaultMasterKey(settings, pool, schema);
    await expect(refusal).rejects.toBeInstanceOf(VaultKeyError);
    await expect(refusal).rejects.toThrow(`${dataDir} holds person details but its vault key ${keyFile} is missing`);
    await expect(refusal).rejects.toThrow('VAULT_MASTER_KEY');
    expect(() => statSync(keyFile)).toThrow(); // no new key was made over the old data
  });

  it('refuses a key file of the wrong length, or one that does not open the stored keys', async () => {
    const { settings, schema, keyFile } = fresh();
    await storeOne(await openVaultMasterKey(settings, pool, schema), schema);
    const original = readFileSync(keyFile);
    writeFileSync(keyFile, randomBytes(16).toString('base64'));
    await expect(openVaultMasterKey(settings, pool, schema)).rejects.toThrow(`vault key ${keyFile} does not hold a base64 32-byte key`);
    writeFileSync(keyFile, randomBytes(32).toString('base64'));
    await expect(openVaultMasterKey(settings, pool, schema)).rejects.toThrow(`vault key ${keyFile} does not open the person keys`);
    writeFileSync(keyFile, original);
    await expect(openVaultMasterKey(settings, pool, schema)).resolves.toHaveLength(32);
  });

  it('finishes a rotation that committed before its key file was renamed, and forgets one that never committed', async () => {
    const { settings, schema, keyFile } = fresh();
    const old = await openVaultMasterKey(settings, pool, schema);
    await storeOne(old, schema);
    // Not committed: vault.key.next is left over, vault.key still opens the vault.
    writeFileSync(`${keyFile}.next`, randomBytes(32).toString('base64'));
    await expect(openVaultMasterKey(settings, pool, schema)).resolves.toEqual(old);
    expect(() => statSync(`${keyFile}.next`)).toThrow();
    // Committed: the vault opens only under vault.key.next.
    const next = randomBytes(32);
    writeFileSync(`${keyFile}.next`, next.toString('base64'));
    await rotateMasterKey(pool, schema, old, next);
    await expect(openVaultMasterKey(settings, pool, schema)).resolves.toEqual(next);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toEqual(next);
  });

  it('outside a key file, refuses a VAULT_MASTER_KEY that does not open the stored keys', async () => {
    const schema = freshSchema('vault_key');
    const given = randomBytes(32);
    await storeOne(given, schema);
    const settings = loadSettings({ DATA_DIR: tmpdir(), VAULT_MASTER_KEY: given.toString('base64') });
    await expect(openVaultMasterKey(settings, pool, schema)).resolves.toEqual(given);
    const wrong = loadSettings({ DATA_DIR: tmpdir(), VAULT_MASTER_KEY: randomBytes(32).toString('base64') });
    await expect(openVaultMasterKey(wrong, pool, schema)).rejects.toThrow(/^VAULT_MASTER_KEY does not open the person keys/);
  });
});
