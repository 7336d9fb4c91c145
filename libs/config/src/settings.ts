import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KafkaConfig } from 'kafkajs';

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
  /** Bearer JWT verification (required with AUTH_MODE=jwt, optional in dev); null = no JWTs accepted. */
  readonly jwt: JwtSettings | null;
  readonly pseudonymSecret: string;
  /** 32 bytes wrapping the per-person vault keys (production: a KMS key). */
  readonly vaultMasterKey: Buffer;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly bodyLimitBytes: number;
  /** Seconds a command may wait for the read models to reach the log head. */
  readonly projectionWaitMs: number;
  /** Requests per caller per minute (RATE_LIMIT_PER_MINUTE); 0 = no limit. */
  readonly rateLimitPerMinute: number;
  /** TLS and SASL for every Kafka client of the node (see `kafkaClientSecurity`). */
  readonly kafkaSecurity: KafkaSecurity;
  /** This node's Ed25519 key for the envelopes it publishes (SYNC_SIGNING_KEY); null = unsigned. */
  readonly syncSigningKey: KeyObject | null;
  /** Public keys per province allowed to sign sync envelopes (SYNC_TRUST_LIST); set = signatures required. */
  readonly syncTrustList: Readonly<Record<string, readonly KeyObject[]>> | null;
  /** AEFI signal rule (AEFI_SIGNAL_MIN_REPORTS, AEFI_SIGNAL_ALPHA): fewest reports on a batch, one-sided Poisson level. */
  readonly aefiSignal: { readonly minReports: number; readonly alpha: number };
  readonly embedded: boolean;
}

export interface KafkaSecurity {
  /** KAFKA_SSL=true; certificates are PEM text read from the *_FILE settings. */
  readonly ssl: { readonly ca?: string; readonly cert?: string; readonly key?: string } | null;
  readonly sasl: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  } | null;
}

export interface JwtSettings {
  /** JWT_JWKS_FILE: a JWKS document on disk (re-read when a token names an unknown kid). */
  readonly jwksFile: string | null;
  /** JWT_JWKS_URL: the identity provider's JWKS endpoint (https, or http on localhost). */
  readonly jwksUrl: string | null;
  readonly issuer: string;
  readonly audience: string;
  /** JWT_CLOCK_TOLERANCE_S: seconds of clock skew allowed on exp and nbf (default 30, at most 300). */
  readonly clockToleranceSeconds: number;
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

/** Reads a file named by a setting (certificates, keys, the trust list). */
export type ReadText = (path: string) => string;
const readTextFile: ReadText = (path) => readFileSync(path, 'utf8');

export const loadSettings = (env: Env = process.env, readText: ReadText = readTextFile): Settings => {
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
  // SYNC_MODE=hub on the national node (000000): SYNC_PEERS are the provinces it serves.
  if (syncMode === 'hub' && provinceCode === '000000' && syncPeers.length === 0 && text('KAFKA_BROKERS'))
    problems.push('SYNC_PEERS must list the provinces the hub serves when PROVINCE_CODE=000000 and SYNC_MODE=hub');
  if (syncMode === 'direct' && provinceCode === '000000')
    problems.push('SYNC_MODE=direct is for a province hosted on the national node: set its own PROVINCE_CODE');
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
  const rateLimitPerMinute = int('RATE_LIMIT_PER_MINUTE', 3000, 0, 1_000_000);
  const aefiMinReports = int('AEFI_SIGNAL_MIN_REPORTS', 3, 1, 1_000_000);
  const rawAlpha = text('AEFI_SIGNAL_ALPHA');
  const aefiAlpha = rawAlpha === undefined ? 0.01 : Number(rawAlpha);
  if (!/^0?\.\d+$/.test(rawAlpha ?? '0.01') || !(aefiAlpha > 0 && aefiAlpha < 1))
    problems.push('AEFI_SIGNAL_ALPHA must be a decimal between 0 and 1, e.g. 0.01');
  const file = (name: string): string | undefined => {
    const path = text(name);
    if (path === undefined) return undefined;
    try {
      return readText(path);
    } catch {
      problems.push(`${name} names a file that cannot be read`);
      return undefined;
    }
  };
  const kafkaSecurity = loadKafkaSecurity(text, file, oneOf, problems, embedded);
  const { syncSigningKey, syncTrustList } = loadSyncKeys(text, readText, problems, provinceCode);
  if (kafkaBrokers.length > 0 && !embedded) {
    // Outside the embedded default every envelope is signed and every received one checked.
    if (!syncSigningKey) problems.push('SYNC_SIGNING_KEY is required with KAFKA_BROKERS outside the embedded default');
    if (!syncTrustList) problems.push('SYNC_TRUST_LIST is required with KAFKA_BROKERS outside the embedded default');
  }
  const jwt = loadJwtSettings(text, int, problems, authMode);

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
    jwt,
    pseudonymSecret,
    vaultMasterKey,
    logLevel,
    bodyLimitBytes,
    projectionWaitMs,
    rateLimitPerMinute,
    aefiSignal: { minReports: aefiMinReports, alpha: aefiAlpha },
    kafkaSecurity,
    syncSigningKey,
    syncTrustList,
    embedded,
  };
};

type Text = (name: string) => string | undefined;
type OneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T) => T;

const loadKafkaSecurity = (text: Text, file: Text, oneOf: OneOf, problems: string[], embedded: boolean): KafkaSecurity => {
  const sslFlag = oneOf('KAFKA_SSL', ['true', 'false'] as const, 'false') === 'true';
  const ca = file('KAFKA_SSL_CA_FILE');
  const cert = file('KAFKA_SSL_CERT_FILE');
  const key = file('KAFKA_SSL_KEY_FILE');
  const certificateSettings = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((name) => text(name) !== undefined);
  if (!sslFlag && certificateSettings.length > 0) problems.push(`${certificateSettings.join(', ')} need KAFKA_SSL=true`);
  if ((text('KAFKA_SSL_CERT_FILE') === undefined) !== (text('KAFKA_SSL_KEY_FILE') === undefined))
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its key)');
  const ssl = sslFlag ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : null;

  const mechanismText = text('KAFKA_SASL_MECHANISM');
  const username = text('KAFKA_SASL_USERNAME');
  const password = text('KAFKA_SASL_PASSWORD');
  if (mechanismText === undefined) {
    if (username !== undefined || password !== undefined)
      problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM');
    return { ssl, sasl: null };
  }
  const mechanism = oneOf('KAFKA_SASL_MECHANISM', ['plain', 'scram-sha-256', 'scram-sha-512'] as const, 'scram-sha-512');
  if (username === undefined || password === undefined)
    problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM');
  if (mechanism === 'plain' && !ssl && !embedded)
    problems.push('KAFKA_SASL_MECHANISM=plain sends the password in clear: set KAFKA_SSL=true');
  return { ssl, sasl: { mechanism, username: username ?? '', password: password ?? '' } };
};

/** PEM text, or the path of a file holding it. */
const pemOrFile = (value: string, readText: ReadText): string =>
  value.startsWith('-----BEGIN') ? value.replace(/\\n/g, '\n') : readText(value);

const loadSyncKeys = (
  text: Text,
  readText: ReadText,
  problems: string[],
  provinceCode: string,
): { syncSigningKey: KeyObject | null; syncTrustList: Readonly<Record<string, readonly KeyObject[]>> | null } => {
  let syncSigningKey: KeyObject | null = null;
  const signing = text('SYNC_SIGNING_KEY');
  if (signing !== undefined) {
    try {
      const key = createPrivateKey(pemOrFile(signing, readText));
      if (key.asymmetricKeyType === 'ed25519') syncSigningKey = key;
      else problems.push('SYNC_SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM)');
    } catch {
      problems.push('SYNC_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM, or the path of a file holding one');
    }
  }
  let syncTrustList: Record<string, KeyObject[]> | null = null;
  const trust = text('SYNC_TRUST_LIST');
  if (trust !== undefined) {
    try {
      syncTrustList = parseTrustList(trust.startsWith('{') ? trust : readText(trust));
    } catch (error) {
      problems.push(`SYNC_TRUST_LIST ${error instanceof TrustListError ? error.message : 'names a file that cannot be read'}`);
    }
  }
  if (syncSigningKey && syncTrustList) {
    const own = createPublicKey(syncSigningKey).export({ type: 'spki', format: 'der' });
    const listed = (syncTrustList[provinceCode] ?? []).some((key) => key.export({ type: 'spki', format: 'der' }).equals(own));
    if (!listed) problems.push('SYNC_SIGNING_KEY is not on SYNC_TRUST_LIST for PROVINCE_CODE: peers would refuse every event');
  }
  return { syncSigningKey, syncTrustList };
};

class TrustListError extends Error {}

/**
 * The trust list the hub distributes: a JSON object mapping each province code to the public
 * keys that may sign its events (SPKI PEM, or base64 of the SPKI DER). Several keys per
 * province allow a key to be rotated without a gap.
 */
export const parseTrustList = (json: string): Record<string, KeyObject[]> => {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new TrustListError('is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TrustListError('must be a JSON object mapping province codes to lists of public keys');
  const list: Record<string, KeyObject[]> = {};
  for (const [province, keys] of Object.entries(value as Record<string, unknown>)) {
    if (!PROVINCE.test(province)) throw new TrustListError(`names ${province.slice(0, 12)}, which is not a province code`);
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string'))
      throw new TrustListError(`must list at least one public key (a string) for ${province}`);
    list[province] = (keys as string[]).map((k, i) => {
      let key: KeyObject;
      try {
        key = k.includes('-----BEGIN')
          ? createPublicKey(k)
          : createPublicKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'spki' });
      } catch {
        throw new TrustListError(`key ${i + 1} of ${province} is not a public key (SPKI PEM or base64 DER)`);
      }
      if (key.asymmetricKeyType !== 'ed25519') throw new TrustListError(`key ${i + 1} of ${province} is not an Ed25519 key`);
      return key;
    });
  }
  return list;
};

/**
 * The TLS and SASL part of a kafkajs client configuration, passed to every Kafka client
 * (node runtime, worker) so that all of them connect the same way.
 */
export const kafkaClientSecurity = (security: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> => {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.ssl) {
    const { ca, cert, key } = security.ssl;
    // Certificates are always verified; a CA file replaces Node's public CAs with the cluster's own.
    options.ssl = { rejectUnauthorized: true, ...(ca ? { ca: [ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  }
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    // kafkajs types each mechanism as its own variant, hence one branch per mechanism.
    options.sasl =
      mechanism === 'plain'
        ? { mechanism, username, password }
        : mechanism === 'scram-sha-256'
          ? { mechanism, username, password }
          : { mechanism, username, password };
  }
  return options;
};

const loadJwtSettings = (
  text: (name: string) => string | undefined,
  int: (name: string, fallback: number, min: number, max: number) => number,
  problems: string[],
  authMode: 'dev' | 'jwt',
): JwtSettings | null => {
  const jwksFile = text('JWT_JWKS_FILE') ?? null;
  const jwksUrl = text('JWT_JWKS_URL') ?? null;
  const issuer = text('JWT_ISSUER');
  const audience = text('JWT_AUDIENCE');
  const clockToleranceSeconds = int('JWT_CLOCK_TOLERANCE_S', 30, 0, 300);
  const configured = jwksFile !== null || jwksUrl !== null || issuer !== undefined || audience !== undefined;
  if (authMode === 'dev' && !configured) return null;
  if (jwksFile === null && jwksUrl === null) problems.push('JWT_JWKS_FILE or JWT_JWKS_URL is required with AUTH_MODE=jwt');
  if (jwksFile !== null && jwksUrl !== null) problems.push('set only one of JWT_JWKS_FILE and JWT_JWKS_URL');
  if (jwksUrl !== null && !/^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/)/.test(jwksUrl))
    problems.push('JWT_JWKS_URL must be an https:// URL (http:// only on localhost)');
  if (!issuer) problems.push('JWT_ISSUER is required to accept JWTs');
  if (!audience) problems.push('JWT_AUDIENCE is required to accept JWTs');
  return { jwksFile, jwksUrl, issuer: issuer ?? '', audience: audience ?? '', clockToleranceSeconds };
};
