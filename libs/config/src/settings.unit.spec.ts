import { loadSettings, SettingsError } from './settings';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  return [];
};

describe('settings', () => {
  it('defaults to the embedded store, port 3000, Sichuan, dev auth', () => {
    const s = loadSettings({});
    expect(s).toMatchObject({ port: 3000, embedded: true, databaseUrl: null, provinceCode: '510000', authMode: 'dev' });
    expect(s.dataDir).toMatch(/data$/);
  });

  it('respects PORT and DATA_DIR', () => {
    expect(loadSettings({ PORT: '8081', DATA_DIR: '/tmp/vx' })).toMatchObject({ port: 8081, dataDir: '/tmp/vx' });
  });

  it('names each bad setting once, without echoing secret values', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      PROVINCE_CODE: '510100',
      SYNC_MODE: 'mesh',
      PSEUDONYM_SECRET: 'short-secret',
    });
    expect(problems).toEqual([
      'PORT must be an integer from 0 to 65535',
      'PROVINCE_CODE must be a GB/T 2260 province code like 510000 (or 000000 for the hub)',
      'SYNC_MODE must be one of peer, hub, direct',
      'PSEUDONYM_SECRET must be at least 16 characters',
    ]);
    expect(problems.join(' ')).not.toContain('short-secret');
  });

  it('refuses dev authentication and missing secrets on a real server', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/x' })).toEqual([
      'AUTH_MODE=dev is only allowed on the embedded default store; set AUTH_MODE=jwt',
      'PSEUDONYM_SECRET is required outside the embedded default',
      'VAULT_MASTER_KEY is required outside the embedded default',
    ]);
  });

  it('needs KURRENTDB_URL with EVENT_STORE=kurrentdb', () => {
    expect(
      problemsOf({
        EVENT_STORE: 'kurrentdb',
        AUTH_MODE: 'jwt',
        PSEUDONYM_SECRET: 'x'.repeat(20),
        VAULT_MASTER_KEY: Buffer.alloc(32).toString('base64'),
      }),
    ).toEqual(['KURRENTDB_URL is required when EVENT_STORE=kurrentdb']);
  });
});
