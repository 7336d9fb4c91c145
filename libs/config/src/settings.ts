import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Every setting of a node, read once from the environment and validated at start-up.
 * A bad setting stops the process with one line naming it and why, never its value
 * (secrets included).
 */
export interface Settings {
  readonly port: number;
  readonly dataDir: string;
  /** Unset: the embedded default (PGlite in dataDir). */
  readonly databaseUrl: string | null;
  readonly eventStore: 'postgres' | 'kurrentdb';
  readonly kurrentdbUrl: string | null;
  readonly kafkaBrokers: readonly string[];
  readonly provinceCode: string;
  readonly syncMode: 'peer' | 'hub' | 'direct';
  readonly syncPeers: readonly string[];
  /** Names the federation's topics on a shared Kafka cluster (default vaxledger). */
  readonly syncTopicPrefix: string;
  readonly authMode: 'dev' | 'jwt';
  readonly pseudonymSecret: string;
  /** 32 bytes wrapping the per-person vault keys (production: a KMS key). */
  readonly vaultMasterKey: Buffer;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimitBytes: number;
  /** Seconds a command may wait for the read models to reach the log head. */
  readonly projectionWaitMs: number;
  readonly embedded: boolean;
}

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

const PROVINCE = /^(000000|(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5])0000)$/;
const DEV_SECRET = 'vaxledger-dev-secret-not-for-production';

type Env = Readonly<Record<string, string | undefined>>;

export const loadSettings = (env: Env = process.env): Settings => {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const value = text(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  const port = int('PORT', 3000, 0, 65535);
  const dataDir = resolve(text('DATA_DIR') ?? './data');
  const databaseUrl = text('DATABASE_URL') ?? null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// URL');
  const eventStore = oneOf('EVENT_STORE', ['postgres', 'kurrentdb'] as const, 'postgres');
  const kurrentdbUrl = text('KURRENTDB_URL') ?? null;
  if (eventStore === 'kurrentdb' && !kurrentdbUrl) problems.push('KURRENTDB_URL is required when EVENT_STORE=kurrentdb');
  if (kurrentdbUrl && !/^(esdb|kurrentdb)(\+discover)?:\/\//.test(kurrentdbUrl))
    problems.push('KURRENTDB_URL must be an esdb:// or kurrentdb:// URL');
  const kafkaBrokers = (text('KAFKA_BROKERS') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  for (const broker of kafkaBrokers)
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)) problems.push('KAFKA_BROKERS must be a comma-separated list of host:port');
  const provinceCode = text('PROVINCE_CODE') ?? '510000';
  if (!PROVINCE.test(provinceCode)) problems.push('PROVINCE_CODE must be a GB/T 2260 province code like 510000 (or 000000 for the hub)');
  const syncMode = oneOf('SYNC_MODE', ['peer', 'hub', 'direct'] as const, 'peer');
  const syncPeers = (text('SYNC_PEERS') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const peer of syncPeers) if (!PROVINCE.test(peer)) problems.push('SYNC_PEERS must list province codes like 440000');
  const syncTopicPrefix = text('SYNC_TOPIC_PREFIX') ?? 'vaxledger';
  if (!/^[a-z0-9][a-z0-9_-]{0,40}$/.test(syncTopicPrefix))
    problems.push('SYNC_TOPIC_PREFIX must be 1-41 lower-case letters, digits, - or _');
  const embedded = !databaseUrl && eventStore === 'postgres';
  const authMode = oneOf('AUTH_MODE', ['dev', 'jwt'] as const, 'dev');
  if (authMode === 'dev' && !embedded) problems.push('AUTH_MODE=dev is only allowed on the embedded default store; set AUTH_MODE=jwt');
  let pseudonymSecret = text('PSEUDONYM_SECRET');
  if (!pseudonymSecret) {
    if (!embedded) problems.push('PSEUDONYM_SECRET is required outside the embedded default');
    pseudonymSecret = DEV_SECRET;
  } else if (pseudonymSecret.length < 16) problems.push('PSEUDONYM_SECRET must be at least 16 characters');
  const rawVaultKey = text('VAULT_MASTER_KEY');
  let vaultMasterKey: Buffer;
  if (rawVaultKey) {
    vaultMasterKey = Buffer.from(rawVaultKey, 'base64');
    if (vaultMasterKey.length !== 32) problems.push('VAULT_MASTER_KEY must be 32 bytes, base64-encoded');
  } else {
    if (!embedded) problems.push('VAULT_MASTER_KEY is required outside the embedded default');
    vaultMasterKey = randomBytes(32);
  }
  const logLevel = oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info');
  const bodyLimitBytes = int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const projectionWaitMs = int('PROJECTION_WAIT_MS', 5000, 0, 120000);

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    port,
    dataDir,
    databaseUrl,
    eventStore,
    kurrentdbUrl,
    kafkaBrokers,
    provinceCode,
    syncMode,
    syncPeers,
    syncTopicPrefix,
    authMode,
    pseudonymSecret,
    vaultMasterKey,
    logLevel,
    bodyLimitBytes,
    projectionWaitMs,
    embedded,
  };
};
