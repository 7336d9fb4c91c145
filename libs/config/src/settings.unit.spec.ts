import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { kafkaClientSecurity, loadSettings, SettingsError, type Settings } from './settings';

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

  it('reads the AEFI signal thresholds (default: 3 reports, p < 0.01) and refuses nonsense', () => {
    expect(loadSettings({}).aefiSignal).toEqual({ minReports: 3, alpha: 0.01 });
    expect(loadSettings({ AEFI_SIGNAL_MIN_REPORTS: '5', AEFI_SIGNAL_ALPHA: '0.001' }).aefiSignal).toEqual({ minReports: 5, alpha: 0.001 });
    expect(problemsOf({ AEFI_SIGNAL_ALPHA: '1.5' })).toEqual(['AEFI_SIGNAL_ALPHA must be a decimal between 0 and 1, e.g. 0.01']);
    expect(problemsOf({ AEFI_SIGNAL_ALPHA: '0' })).toHaveLength(1);
    expect(problemsOf({ AEFI_SIGNAL_MIN_REPORTS: '0' })).toHaveLength(1);
  });

  it('reads the sync health limits (default: 15 s down, 300 s behind, 10 s of broker silence) and refuses nonsense', () => {
    expect(loadSettings({}).syncHealth).toEqual({ staleAfterSeconds: 15, relayBehindSeconds: 300, silentAfterSeconds: 10 });
    expect(
      loadSettings({ SYNC_HEALTH_STALE_AFTER_S: '60', SYNC_HEALTH_RELAY_BEHIND_S: ' 900 ', SYNC_HEALTH_SILENT_AFTER_S: '30' }).syncHealth,
    ).toEqual({ staleAfterSeconds: 60, relayBehindSeconds: 900, silentAfterSeconds: 30 });
    expect(loadSettings({ SYNC_HEALTH_STALE_AFTER_S: '' }).syncHealth.staleAfterSeconds).toBe(15);
    expect(problemsOf({ SYNC_HEALTH_STALE_AFTER_S: '0', SYNC_HEALTH_RELAY_BEHIND_S: '2.5', SYNC_HEALTH_SILENT_AFTER_S: '2' })).toEqual([
      'SYNC_HEALTH_STALE_AFTER_S must be an integer from 1 to 3600',
      'SYNC_HEALTH_RELAY_BEHIND_S must be an integer from 1 to 86400',
      'SYNC_HEALTH_SILENT_AFTER_S must be an integer from 5 to 3600',
    ]);
    expect(problemsOf({ PORT: 'eighty', SYNC_HEALTH_SILENT_AFTER_S: 'ten' })).toEqual([
      'PORT must be an integer from 0 to 65535',
      'SYNC_HEALTH_SILENT_AFTER_S must be an integer from 5 to 3600',
    ]);
  });

  it('projects inline on the embedded default and in a thread on a server, unless PROJECTOR says otherwise', () => {
    const server = {
      DATABASE_URL: 'postgres://db/x',
      AUTH_MODE: 'jwt',
      JWT_JWKS_URL: 'https://idp.example/jwks.json',
      JWT_ISSUER: 'https://idp.example',
      JWT_AUDIENCE: 'vaxledger',
      PSEUDONYM_SECRET: 'x'.repeat(20),
      VAULT_MASTER_KEY: Buffer.alloc(32).toString('base64'),
    };
    expect(loadSettings({}).projector).toBe('inline');
    expect(loadSettings({ PROJECTOR: 'thread' }).projector).toBe('thread');
    expect(loadSettings(server).projector).toBe('thread');
    expect(loadSettings({ ...server, PROJECTOR: 'worker' }).projector).toBe('worker');
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

  it('gives every setting its documented default (README, settings table)', () => {
    const s = loadSettings({});
    expect(s).toMatchObject({
      port: 3000,
      eventStore: 'postgres',
      kurrentdbUrl: null,
      kurrentdbGuards: true,
      kurrentdbGuardRetentionDays: 30,
      kafkaBrokers: [],
      syncMode: 'peer',
      syncPeers: [],
      syncTopicPrefix: 'vaxledger',
      syncInApi: true,
      logLevel: 'info',
      bodyLimitBytes: 1048576,
      projectionWaitMs: 5000,
      logPollMs: 50,
      doseWriters: 2,
      rateLimitPerMinute: 3000,
      kafkaSecurity: { ssl: null, sasl: null },
      jwt: null,
      workerMetricsPort: null,
    });
    // No key given: the embedded node keeps its own in DATA_DIR/vault.key, opened at start-up.
    expect(s.vaultMasterKey).toBeNull();
  });

  it('treats empty and blank settings as unset, and trims the rest', () => {
    expect(loadSettings({ PORT: '', SYNC_MODE: '   ', PROVINCE_CODE: ' 440000 ', KAFKA_BROKERS: ' a:1 , b:2 ,' })).toMatchObject({
      port: 3000,
      syncMode: 'peer',
      provinceCode: '440000',
      kafkaBrokers: ['a:1', 'b:2'],
    });
  });

  it('turns the KurrentDB guard rows off with KURRENTDB_GUARDS=off, and refuses other values', () => {
    expect(loadSettings({ KURRENTDB_GUARDS: 'off' }).kurrentdbGuards).toBe(false);
    expect(loadSettings({ KURRENTDB_GUARDS: 'on' }).kurrentdbGuards).toBe(true);
    expect(() => loadSettings({ KURRENTDB_GUARDS: 'no' })).toThrow('KURRENTDB_GUARDS must be one of on, off');
  });

  it('keeps applied KurrentDB guard rows KURRENTDB_GUARD_RETENTION_DAYS days, 0 for good', () => {
    expect(loadSettings({ KURRENTDB_GUARD_RETENTION_DAYS: '7' }).kurrentdbGuardRetentionDays).toBe(7);
    expect(loadSettings({ KURRENTDB_GUARD_RETENTION_DAYS: '0' }).kurrentdbGuardRetentionDays).toBe(0);
    expect(problemsOf({ KURRENTDB_GUARD_RETENTION_DAYS: '-1' })).toEqual([
      'KURRENTDB_GUARD_RETENTION_DAYS must be an integer from 0 to 3650',
    ]);
    expect(problemsOf({ KURRENTDB_GUARD_RETENTION_DAYS: '1.5' })).toEqual([
      'KURRENTDB_GUARD_RETENTION_DAYS must be an integer from 0 to 3650',
    ]);
  });

  it('lets the API leave sync to the workers with SYNC_IN_API=off', () => {
    expect(loadSettings({ SYNC_IN_API: 'off' }).syncInApi).toBe(false);
    expect(loadSettings({ SYNC_IN_API: 'on' }).syncInApi).toBe(true);
    expect(problemsOf({ SYNC_IN_API: 'no' })).toEqual(['SYNC_IN_API must be one of on, off']);
  });

  it.each([
    ['BODY_LIMIT_BYTES', '512', 'BODY_LIMIT_BYTES must be an integer from 1024 to 67108864'],
    ['PROJECTION_WAIT_MS', '1.5', 'PROJECTION_WAIT_MS must be an integer from 0 to 120000'],
    ['LOG_POLL_MS', '0', 'LOG_POLL_MS must be an integer from 1 to 5000'],
    ['RATE_LIMIT_PER_MINUTE', '-1', 'RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000'],
    ['JWT_CLOCK_TOLERANCE_S', '301', 'JWT_CLOCK_TOLERANCE_S must be an integer from 0 to 300'],
    ['WORKER_METRICS_PORT', '0', 'WORKER_METRICS_PORT must be an integer from 1 to 65535'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
    ['EVENT_STORE', 'mongo', 'EVENT_STORE must be one of postgres, kurrentdb'],
    ['DATABASE_URL', 'mysql://db/x', 'DATABASE_URL must be a postgres:// URL'],
    ['KURRENTDB_URL', 'http://esdb:2113', 'KURRENTDB_URL must be an esdb:// or kurrentdb:// URL'],
    ['KAFKA_BROKERS', 'kafka:9092,kafka', 'KAFKA_BROKERS must be a comma-separated list of host:port'],
    ['SYNC_PEERS', '440000,Guangdong', 'SYNC_PEERS must list province codes like 440000'],
    ['SYNC_TOPIC_PREFIX', 'Vax.Ledger', 'SYNC_TOPIC_PREFIX must be 1-41 lower-case letters, digits, - or _'],
    ['VAULT_MASTER_KEY', Buffer.alloc(16).toString('base64'), 'VAULT_MASTER_KEY must be 32 bytes, base64-encoded'],
  ])('names %s when it is malformed, as its first problem', (name, value, message) => {
    expect(problemsOf({ [name]: value })[0]).toBe(message);
  });

  it('reports one problem per bad setting (one line each at start-up), however many rules it breaks', () => {
    const problems = problemsOf({ RATE_LIMIT_PER_MINUTE: '-1.5', KAFKA_BROKERS: 'a,b,c' });
    expect(problems).toEqual([
      'KAFKA_BROKERS must be a comma-separated list of host:port',
      'RATE_LIMIT_PER_MINUTE must be an integer from 0 to 1000000',
    ]);
    for (const problem of problems) expect(problem).not.toContain('\n');
  });

  it('refuses dev authentication and missing secrets on a real server', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/x' })).toEqual([
      'AUTH_MODE=dev is only allowed on the embedded default store; set AUTH_MODE=jwt',
      'PSEUDONYM_SECRET is required outside the embedded default',
      'VAULT_MASTER_KEY is required outside the embedded default',
    ]);
  });

  it('needs the served provinces on the national hub, and no direct mode there', () => {
    expect(problemsOf({ PROVINCE_CODE: '000000', SYNC_MODE: 'hub', KAFKA_BROKERS: '127.0.0.1:9092' })).toContain(
      'SYNC_PEERS must list the provinces the hub serves when PROVINCE_CODE=000000 and SYNC_MODE=hub',
    );
    expect(
      problemsOf({ PROVINCE_CODE: '000000', SYNC_MODE: 'hub', KAFKA_BROKERS: '127.0.0.1:9092', SYNC_PEERS: '510000,440000' }),
    ).not.toContain('SYNC_PEERS must list the provinces the hub serves when PROVINCE_CODE=000000 and SYNC_MODE=hub');
    expect(problemsOf({ PROVINCE_CODE: '000000', SYNC_MODE: 'direct' })).toContain(
      'SYNC_MODE=direct is for a province hosted on the national node: set its own PROVINCE_CODE',
    );
    expect(problemsOf({ PROVINCE_CODE: '540000', SYNC_MODE: 'direct' })).toEqual([]);
  });

  it('needs KURRENTDB_URL with EVENT_STORE=kurrentdb', () => {
    expect(
      problemsOf({
        EVENT_STORE: 'kurrentdb',
        AUTH_MODE: 'jwt',
        JWT_JWKS_URL: 'https://idp.example/jwks.json',
        JWT_ISSUER: 'https://idp.example',
        JWT_AUDIENCE: 'vaxledger',
        PSEUDONYM_SECRET: 'x'.repeat(20),
        VAULT_MASTER_KEY: Buffer.alloc(32).toString('base64'),
      }),
    ).toEqual(['KURRENTDB_URL is required when EVENT_STORE=kurrentdb']);
  });

  it('needs a JWKS source, issuer and audience with AUTH_MODE=jwt, and no JWTs in dev unless configured', () => {
    expect(problemsOf({ AUTH_MODE: 'jwt' })).toEqual([
      'JWT_JWKS_FILE or JWT_JWKS_URL is required with AUTH_MODE=jwt',
      'JWT_ISSUER is required to accept JWTs',
      'JWT_AUDIENCE is required to accept JWTs',
    ]);
    expect(problemsOf({ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'http://idp.example/jwks', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' })).toEqual([
      'JWT_JWKS_URL must be an https:// URL (http:// only on localhost)',
    ]);
    expect(loadSettings({}).jwt).toBeNull();
    expect(loadSettings({ AUTH_MODE: 'jwt', JWT_JWKS_FILE: '/etc/vx/jwks.json', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' }).jwt).toEqual({
      jwksFile: '/etc/vx/jwks.json',
      jwksUrl: null,
      issuer: 'i',
      audience: 'a',
      clockToleranceSeconds: 30,
    });
  });

  it('reads the console’s OpenID Connect sign-in: issuer from JWT_ISSUER unless given, endpoints together, https only', () => {
    const jwt = { AUTH_MODE: 'jwt', JWT_JWKS_FILE: '/etc/vx/jwks.json', JWT_ISSUER: 'https://idp.example', JWT_AUDIENCE: 'a' };
    expect(loadSettings(jwt).oidc).toBeNull();
    expect(loadSettings({ ...jwt, OIDC_CLIENT_ID: 'vaxledger-console' }).oidc).toEqual({
      issuer: 'https://idp.example',
      authorizationEndpoint: null,
      tokenEndpoint: null,
      clientId: 'vaxledger-console',
      scopes: 'openid',
      redirectUri: null,
    });
    const explicit = loadSettings({
      ...jwt,
      OIDC_CLIENT_ID: 'c',
      OIDC_ISSUER: 'http://127.0.0.1:9000',
      OIDC_AUTHORIZATION_ENDPOINT: 'http://127.0.0.1:9000/authorize',
      OIDC_TOKEN_ENDPOINT: 'http://127.0.0.1:9000/token',
      OIDC_SCOPES: 'openid profile vaxledger',
      OIDC_REDIRECT_URI: 'https://clinic.example/console/signin-callback',
    }).oidc;
    expect(explicit).toMatchObject({
      redirectUri: 'https://clinic.example/console/signin-callback',
      issuer: 'http://127.0.0.1:9000',
      tokenEndpoint: 'http://127.0.0.1:9000/token',
      scopes: 'openid profile vaxledger',
    });
    expect(problemsOf({ ...jwt, OIDC_CLIENT_ID: 'c', OIDC_TOKEN_ENDPOINT: 'http://idp.example/token' })).toEqual([
      'OIDC_TOKEN_ENDPOINT must be an https:// URL (http:// only on localhost)',
      'OIDC_AUTHORIZATION_ENDPOINT and OIDC_TOKEN_ENDPOINT go together (else both come from discovery)',
    ]);
    expect(problemsOf({ ...jwt, OIDC_CLIENT_ID: 'c', OIDC_REDIRECT_URI: 'http://clinic.example/cb' })).toEqual([
      'OIDC_REDIRECT_URI must be an https:// URL (http:// only on localhost)',
    ]);
    expect(problemsOf({ OIDC_CLIENT_ID: 'c' })).toEqual([
      'OIDC_CLIENT_ID needs AUTH_MODE=jwt (the console signs in with the provider only then)',
      'OIDC_ISSUER (or JWT_ISSUER) is required with OIDC_CLIENT_ID',
    ]);
    expect(problemsOf({ ...jwt, OIDC_SCOPES: 'openid  x' })).toEqual([
      'OIDC_SCOPES must be scope names separated by single spaces',
      'OIDC_SCOPES need OIDC_CLIENT_ID',
    ]);
  });
});

describe('Kafka TLS and SASL settings', () => {
  const files: Record<string, string> = { '/etc/vx/ca.pem': 'CA PEM', '/etc/vx/client.pem': 'CERT PEM', '/etc/vx/client.key': 'KEY PEM' };
  const readText = (path: string): string => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT ${path}`);
    return content;
  };
  const kafkaOptionsOf = (env: Record<string, string>): ReturnType<typeof kafkaClientSecurity> =>
    kafkaClientSecurity(loadSettings(env, readText).kafkaSecurity);
  const problemsWith = (env: Record<string, string>): readonly string[] => {
    try {
      loadSettings(env, readText);
    } catch (error) {
      if (error instanceof SettingsError) return error.problems;
      throw error;
    }
    return [];
  };

  it('adds neither TLS nor SASL by default', () => {
    expect(kafkaOptionsOf({})).toEqual({});
  });

  it('turns on TLS with certificate verification and Node’s CAs for KAFKA_SSL=true alone', () => {
    expect(kafkaOptionsOf({ KAFKA_SSL: 'true' })).toEqual({ ssl: { rejectUnauthorized: true } });
  });

  it('passes the CA, client certificate and key as PEM text read from their files', () => {
    expect(
      kafkaOptionsOf({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: '/etc/vx/ca.pem',
        KAFKA_SSL_CERT_FILE: '/etc/vx/client.pem',
        KAFKA_SSL_KEY_FILE: '/etc/vx/client.key',
      }),
    ).toEqual({ ssl: { rejectUnauthorized: true, ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' } });
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('maps KAFKA_SASL_MECHANISM=%s with its user and password', (mechanism) => {
    expect(
      kafkaOptionsOf({
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: 'sichuan',
        KAFKA_SASL_PASSWORD: 's3cret-pw',
      }),
    ).toEqual({ ssl: { rejectUnauthorized: true }, sasl: { mechanism, username: 'sichuan', password: 's3cret-pw' } });
  });

  it('names each inconsistent Kafka security setting, without echoing the password', () => {
    const problems = problemsWith({
      KAFKA_SSL: 'yes',
      KAFKA_SSL_CA_FILE: '/etc/vx/missing.pem',
      KAFKA_SSL_CERT_FILE: '/etc/vx/client.pem',
      KAFKA_SASL_MECHANISM: 'gssapi',
      KAFKA_SASL_PASSWORD: 'hunter2-password',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'KAFKA_SSL must be one of true, false',
        'KAFKA_SSL_CA_FILE names a file that cannot be read',
        'KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE need KAFKA_SSL=true',
        'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its key)',
        'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512',
        'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM',
      ]),
    );
    expect(problems.join(' ')).not.toContain('hunter2');
  });

  it('refuses SASL/PLAIN without TLS on a real server (the password would cross the network in clear)', () => {
    expect(
      problemsWith({
        DATABASE_URL: 'postgres://db/x',
        AUTH_MODE: 'jwt',
        PSEUDONYM_SECRET: 'x'.repeat(20),
        VAULT_MASTER_KEY: Buffer.alloc(32).toString('base64'),
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toContain('KAFKA_SASL_MECHANISM=plain sends the password in clear: set KAFKA_SSL=true');
  });
});

describe('sync signing settings', () => {
  const sichuan = generateKeyPairSync('ed25519');
  const guangdong = generateKeyPairSync('ed25519');
  const pem = (key: KeyObject): string => key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();
  const trustList = JSON.stringify({
    '510000': [pem(sichuan.publicKey)],
    '440000': [
      guangdong.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      pem(generateKeyPairSync('ed25519').publicKey),
    ],
  });
  const files: Record<string, string> = { '/etc/vx/sync.key': pem(sichuan.privateKey), '/etc/vx/trust.json': trustList };
  const readText = (path: string): string => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT ${path}`);
    return content;
  };
  const load = (env: Record<string, string>): Settings => loadSettings(env, readText);
  const problemsWith = (env: Record<string, string>): readonly string[] => {
    try {
      load(env);
    } catch (error) {
      if (error instanceof SettingsError) return error.problems;
      throw error;
    }
    return [];
  };
  const production = {
    DATABASE_URL: 'postgres://db/x',
    AUTH_MODE: 'jwt',
    PSEUDONYM_SECRET: 'x'.repeat(20),
    VAULT_MASTER_KEY: Buffer.alloc(32).toString('base64'),
  };

  it('is off by default on the embedded store, even with Kafka', () => {
    expect(load({ KAFKA_BROKERS: 'localhost:9092' })).toMatchObject({ syncSigningKey: null, syncTrustList: null });
  });

  it('reads the signing key from a file or inline PEM (with \\n escapes), and the trust list from a file', () => {
    const fromFile = load({ SYNC_SIGNING_KEY: '/etc/vx/sync.key', SYNC_TRUST_LIST: '/etc/vx/trust.json' });
    const inline = load({ SYNC_SIGNING_KEY: pem(sichuan.privateKey).replace(/\n/g, '\\n') });
    for (const s of [fromFile, inline]) expect(s.syncSigningKey?.equals(sichuan.privateKey)).toBe(true);
    expect(Object.keys(fromFile.syncTrustList ?? {}).sort()).toEqual(['440000', '510000']);
    expect(fromFile.syncTrustList?.['440000']).toHaveLength(2);
    expect(fromFile.syncTrustList?.['440000']?.[0]?.equals(guangdong.publicKey)).toBe(true);
  });

  it('requires both outside the embedded default when Kafka is configured', () => {
    const syncProblems = (env: Record<string, string>): string[] => problemsWith(env).filter((p) => p.startsWith('SYNC_'));
    expect(syncProblems({ ...production, KAFKA_BROKERS: 'kafka:9092' })).toEqual([
      'SYNC_SIGNING_KEY is required with KAFKA_BROKERS outside the embedded default',
      'SYNC_TRUST_LIST is required with KAFKA_BROKERS outside the embedded default',
    ]);
    expect(
      syncProblems({
        ...production,
        KAFKA_BROKERS: 'kafka:9092',
        SYNC_SIGNING_KEY: '/etc/vx/sync.key',
        SYNC_TRUST_LIST: '/etc/vx/trust.json',
      }),
    ).toEqual([]);
  });

  it('refuses a signing key that is not on the trust list for this province', () => {
    expect(problemsWith({ PROVINCE_CODE: '440000', SYNC_SIGNING_KEY: '/etc/vx/sync.key', SYNC_TRUST_LIST: '/etc/vx/trust.json' })).toEqual([
      'SYNC_SIGNING_KEY is not on SYNC_TRUST_LIST for PROVINCE_CODE: peers would refuse every event',
    ]);
  });

  it('refuses keys of the wrong kind and malformed trust lists, without echoing key material', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const problems = [
      ...problemsWith({ SYNC_SIGNING_KEY: pem(rsa.privateKey) }),
      ...problemsWith({ SYNC_SIGNING_KEY: '/etc/vx/trust.json' }),
      ...problemsWith({ SYNC_TRUST_LIST: '{"510000": []}' }),
      ...problemsWith({ SYNC_TRUST_LIST: '{"Sichuan": ["x"]}' }),
      ...problemsWith({ SYNC_TRUST_LIST: JSON.stringify({ '510000': [pem(rsa.publicKey)] }) }),
      ...problemsWith({ SYNC_TRUST_LIST: '/etc/vx/none.json' }),
    ];
    expect(problems).toEqual([
      'SYNC_SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM)',
      'SYNC_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM, or the path of a file holding one',
      'SYNC_TRUST_LIST must list at least one public key (a string) for 510000',
      'SYNC_TRUST_LIST names Sichuan, which is not a province code',
      'SYNC_TRUST_LIST key 1 of 510000 is not an Ed25519 key',
      'SYNC_TRUST_LIST names a file that cannot be read',
    ]);
    expect(problems.join(' ')).not.toContain('PRIVATE KEY');
  });
});
