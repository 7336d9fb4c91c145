import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import { environmentSchema, type Environment, type ReadText } from './settings.schema';

export type { ReadText } from './settings.schema';
export { parseTrustList } from './trust-list';

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
  /**
   * With EVENT_STORE=kurrentdb: keep the guard rows in PostgreSQL, reserved by event id before
   * each append (ADR 0029; default on). Off: commands check the read models under a site lock.
   */
  readonly kurrentdbGuards: boolean;
  /** Days an applied guard_event row is kept (ADR 0029); 0: for good. */
  readonly kurrentdbGuardRetentionDays: number;
  readonly kafkaBrokers: readonly string[];
  readonly provinceCode: string;
  readonly syncMode: 'peer' | 'hub' | 'direct';
  readonly syncPeers: readonly string[];
  /** Names the federation's topics on a shared Kafka cluster (default vaxledger), and is part of the default consumer groups. */
  readonly syncTopicPrefix: string;
  /**
   * SYNC_IN_API=on (default): the API process relays and consumes when KAFKA_BROKERS is set.
   * off: it leaves sync to `worker --role sync` (only one process per node may run sync).
   */
  readonly syncInApi: boolean;
  readonly authMode: 'dev' | 'jwt';
  /** Bearer JWT verification (required with AUTH_MODE=jwt, optional in dev); null = no JWTs accepted. */
  readonly jwt: JwtSettings | null;
  /** The console's OpenID Connect sign-in (OIDC_CLIENT_ID given, AUTH_MODE=jwt); null = none. */
  readonly oidc: OidcSettings | null;
  readonly pseudonymSecret: string;
  /**
   * 32 bytes wrapping the per-person vault keys (production: a KMS key). Null on the embedded
   * default without VAULT_MASTER_KEY: the node keeps its key in DATA_DIR/vault.key (docs/adr/0014-embedded-key-file-and-lock.md).
   */
  readonly vaultMasterKey: Buffer | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** WORKER_METRICS_PORT: the worker serves Prometheus /metrics there; null = no endpoint. */
  readonly workerMetricsPort: number | null;
  readonly bodyLimitBytes: number;
  /** Seconds a command may wait for the read models to reach the log head. */
  readonly projectionWaitMs: number;
  /**
   * LOG_POLL_MS: how long the node's readers of the log (projector, sync relay, log
   * checkpointer) sleep once caught up before looking again. Longer gathers more events per
   * projector batch under load (fewer statements per event); shorter shows a write sooner.
   */
  readonly logPollMs: number;
  /**
   * DOSE_WRITERS: dose transactions running at once on a PostgreSQL or embedded node; doses
   * that arrive while all are busy are written together, one group per transaction
   * (docs/adr/0034-live-dose-groups.md). 0: every dose its own transaction, as many at once as
   * the pool has connections.
   */
  readonly doseWriters: number;
  /**
   * Where the API node's projector runs: `thread` (a worker thread of the API process, off
   * the request event loop), `inline` (on it, as before), `worker` (not in the API: the
   * worker process, `--role projector`, keeps the read models current).
   */
  readonly projector: 'thread' | 'inline' | 'worker';
  /** Requests per caller per minute (RATE_LIMIT_PER_MINUTE); 0 = no limit. */
  readonly rateLimitPerMinute: number;
  /** TLS and SASL for every Kafka client of the node (see `kafkaClientSecurity`). */
  readonly kafkaSecurity: KafkaSecurity;
  /** This node's Ed25519 key for the envelopes it publishes (SYNC_SIGNING_KEY); null = unsigned. */
  readonly syncSigningKey: KeyObject | null;
  /** Public keys per province allowed to sign sync envelopes (SYNC_TRUST_LIST); set = signatures required. */
  readonly syncTrustList: Readonly<Record<string, readonly KeyObject[]>> | null;
  /**
   * Signed log checkpoints (ADR 0019), written by the sync process when it has a signing key:
   * after this many own events (LOG_CHECKPOINT_EVERY_EVENTS) or this often (LOG_CHECKPOINT_INTERVAL_S).
   */
  readonly logCheckpoint: { readonly everyEvents: number; readonly intervalMs: number };
  /**
   * The province's certificate keys (CERTIFICATE_KEYS_FILE; default DATA_DIR/certificate-keys.json,
   * created on the embedded default's first certificate; elsewhere by `certificate new-key`).
   */
  readonly certificateKeysFile: string;
  /** AEFI signal rule (AEFI_SIGNAL_MIN_REPORTS, AEFI_SIGNAL_ALPHA): fewest reports on a batch, one-sided Poisson level. */
  readonly aefiSignal: { readonly minReports: number; readonly alpha: number };
  /** When /health and /metrics read the sync links as down (SYNC_HEALTH_*_S). */
  readonly syncHealth: SyncHealthSettings;
  readonly embedded: boolean;
}

/**
 * Seconds after which /health reads sync as `degraded` (a 200: sync never makes the node
 * unready), the same for the API's /health and /metrics. Shaped as `@vaxledger/sync`'s
 * SyncHealthLimits, so they pass straight through.
 */
export interface SyncHealthSettings {
  /** SYNC_HEALTH_STALE_AFTER_S: how long a link may be down (relay: with an own event waiting) or a consumer retrying. */
  readonly staleAfterSeconds: number;
  /** SYNC_HEALTH_RELAY_BEHIND_S: how long an own event may wait unpublished even with the relay connected. */
  readonly relayBehindSeconds: number;
  /** SYNC_HEALTH_SILENT_AFTER_S: broker silence after which a connected consumer reads as retrying. */
  readonly silentAfterSeconds: number;
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

/**
 * The identity provider the web console signs in with (authorization code flow with PKCE, a
 * public client: no secret). Sent to the browser as it is: nothing here is secret.
 */
export interface OidcSettings {
  /** OIDC_ISSUER (default JWT_ISSUER): the provider; its discovery document is read unless both endpoints are given. */
  readonly issuer: string;
  /** OIDC_AUTHORIZATION_ENDPOINT and OIDC_TOKEN_ENDPOINT: given together, they replace discovery. */
  readonly authorizationEndpoint: string | null;
  readonly tokenEndpoint: string | null;
  /** OIDC_CLIENT_ID: the console's client at the provider. */
  readonly clientId: string;
  /** OIDC_SCOPES: space-separated (default `openid`). */
  readonly scopes: string;
  /** OIDC_REDIRECT_URI: where the provider sends the browser back; default `{console origin}/console/signin-callback`. */
  readonly redirectUri: string | null;
}

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

const DEV_SECRET = 'vaxledger-dev-secret-not-for-production';

type Env = Readonly<Record<string, string | undefined>>;

const readTextFile: ReadText = (path) => readFileSync(path, 'utf8');

/**
 * Reads and checks every setting (libs/config/src/settings.schema.ts holds each one's rule).
 * Throws a SettingsError listing every problem, each a line naming the setting.
 */
export const loadSettings = (env: Env = process.env, readText: ReadText = readTextFile): Settings => {
  const fieldProblems: string[] = [];
  const schema = environmentSchema(readText, (messages) => fieldProblems.push(...messages)).superRefine((parsed, ctx) => {
    for (const message of crossSettingProblems(parsed, env)) ctx.addIssue({ code: 'custom', message });
  });
  const result = schema.safeParse(env);
  const problems = [...new Set([...fieldProblems, ...(result.error?.issues.map((issue) => issue.message) ?? [])])];
  if (problems.length > 0 || !result.data) throw new SettingsError(problems);
  return settingsOf(result.data, env);
};

const isGiven = (env: Env, name: string): boolean => (env[name]?.trim() ?? '') !== '';
/** PGlite in DATA_DIR: no DATABASE_URL (even a malformed one) and the PostgreSQL log. */
const isEmbedded = (e: Environment, env: Env): boolean => !isGiven(env, 'DATABASE_URL') && e.EVENT_STORE === 'postgres';

/** The rules between settings, in the order an operator would fix them. */
const crossSettingProblems = (e: Environment, env: Env): string[] => {
  const problems: string[] = [];
  const embedded = isEmbedded(e, env);
  if (e.EVENT_STORE === 'kurrentdb' && !e.KURRENTDB_URL && !isGiven(env, 'KURRENTDB_URL'))
    problems.push('KURRENTDB_URL is required when EVENT_STORE=kurrentdb');
  // SYNC_MODE=hub on the national node (000000): SYNC_PEERS are the provinces it serves.
  if (e.SYNC_MODE === 'hub' && e.PROVINCE_CODE === '000000' && e.SYNC_PEERS.length === 0 && isGiven(env, 'KAFKA_BROKERS'))
    problems.push('SYNC_PEERS must list the provinces the hub serves when PROVINCE_CODE=000000 and SYNC_MODE=hub');
  if (e.SYNC_MODE === 'direct' && e.PROVINCE_CODE === '000000')
    problems.push('SYNC_MODE=direct is for a province hosted on the national node: set its own PROVINCE_CODE');
  if (e.AUTH_MODE === 'dev' && !embedded) problems.push('AUTH_MODE=dev is only allowed on the embedded default store; set AUTH_MODE=jwt');
  if (!isGiven(env, 'PSEUDONYM_SECRET') && !embedded) problems.push('PSEUDONYM_SECRET is required outside the embedded default');
  if (!isGiven(env, 'VAULT_MASTER_KEY') && !embedded) problems.push('VAULT_MASTER_KEY is required outside the embedded default');
  problems.push(...kafkaSecurityProblems(e, env, embedded));
  if (e.KAFKA_BROKERS.length > 0 && !embedded) {
    // Outside the embedded default every envelope is signed and every received one checked.
    if (!isGiven(env, 'SYNC_SIGNING_KEY')) problems.push('SYNC_SIGNING_KEY is required with KAFKA_BROKERS outside the embedded default');
    if (!isGiven(env, 'SYNC_TRUST_LIST')) problems.push('SYNC_TRUST_LIST is required with KAFKA_BROKERS outside the embedded default');
  }
  if (e.SYNC_SIGNING_KEY && e.SYNC_TRUST_LIST) {
    const own = createPublicKey(e.SYNC_SIGNING_KEY).export({ type: 'spki', format: 'der' });
    const listed = (e.SYNC_TRUST_LIST[e.PROVINCE_CODE] ?? []).some((key) => key.export({ type: 'spki', format: 'der' }).equals(own));
    if (!listed) problems.push('SYNC_SIGNING_KEY is not on SYNC_TRUST_LIST for PROVINCE_CODE: peers would refuse every event');
  }
  problems.push(...jwtProblems(e, env));
  problems.push(...oidcProblems(e, env));
  return problems;
};

const kafkaSecurityProblems = (e: Environment, env: Env, embedded: boolean): string[] => {
  const problems: string[] = [];
  const certificateSettings = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((name) => isGiven(env, name));
  if (e.KAFKA_SSL !== 'true' && certificateSettings.length > 0) problems.push(`${certificateSettings.join(', ')} need KAFKA_SSL=true`);
  if (isGiven(env, 'KAFKA_SSL_CERT_FILE') !== isGiven(env, 'KAFKA_SSL_KEY_FILE'))
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its key)');
  const credentials = e.KAFKA_SASL_USERNAME !== undefined || e.KAFKA_SASL_PASSWORD !== undefined;
  if (!isGiven(env, 'KAFKA_SASL_MECHANISM')) {
    if (credentials) problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM');
    return problems;
  }
  if (e.KAFKA_SASL_USERNAME === undefined || e.KAFKA_SASL_PASSWORD === undefined)
    problems.push('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM');
  if (e.KAFKA_SASL_MECHANISM === 'plain' && e.KAFKA_SSL !== 'true' && !embedded)
    problems.push('KAFKA_SASL_MECHANISM=plain sends the password in clear: set KAFKA_SSL=true');
  return problems;
};

const JWT_SETTINGS = ['JWT_JWKS_FILE', 'JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE'] as const;

const jwtProblems = (e: Environment, env: Env): string[] => {
  if (e.AUTH_MODE === 'dev' && !JWT_SETTINGS.some((name) => isGiven(env, name))) return [];
  const problems: string[] = [];
  const [file, url] = [isGiven(env, 'JWT_JWKS_FILE'), isGiven(env, 'JWT_JWKS_URL')];
  if (!file && !url) problems.push('JWT_JWKS_FILE or JWT_JWKS_URL is required with AUTH_MODE=jwt');
  if (file && url) problems.push('set only one of JWT_JWKS_FILE and JWT_JWKS_URL');
  if (!e.JWT_ISSUER) problems.push('JWT_ISSUER is required to accept JWTs');
  if (!e.JWT_AUDIENCE) problems.push('JWT_AUDIENCE is required to accept JWTs');
  return problems;
};

const OIDC_SETTINGS = ['OIDC_ISSUER', 'OIDC_AUTHORIZATION_ENDPOINT', 'OIDC_TOKEN_ENDPOINT', 'OIDC_REDIRECT_URI', 'OIDC_SCOPES'] as const;

const oidcProblems = (e: Environment, env: Env): string[] => {
  const problems: string[] = [];
  const others = OIDC_SETTINGS.filter((name) => isGiven(env, name));
  if (!isGiven(env, 'OIDC_CLIENT_ID')) {
    if (others.length > 0) problems.push(`${others.join(', ')} need OIDC_CLIENT_ID`);
    return problems;
  }
  if (e.AUTH_MODE !== 'jwt') problems.push('OIDC_CLIENT_ID needs AUTH_MODE=jwt (the console signs in with the provider only then)');
  if (isGiven(env, 'OIDC_AUTHORIZATION_ENDPOINT') !== isGiven(env, 'OIDC_TOKEN_ENDPOINT'))
    problems.push('OIDC_AUTHORIZATION_ENDPOINT and OIDC_TOKEN_ENDPOINT go together (else both come from discovery)');
  if (!isGiven(env, 'OIDC_ISSUER') && !e.JWT_ISSUER) problems.push('OIDC_ISSUER (or JWT_ISSUER) is required with OIDC_CLIENT_ID');
  return problems;
};

/** The checked environment as the Settings the node runs on. */
const settingsOf = (e: Environment, env: Env): Settings => {
  const embedded = isEmbedded(e, env);
  const ssl =
    e.KAFKA_SSL === 'true'
      ? {
          ...(e.KAFKA_SSL_CA_FILE ? { ca: e.KAFKA_SSL_CA_FILE } : {}),
          ...(e.KAFKA_SSL_CERT_FILE ? { cert: e.KAFKA_SSL_CERT_FILE } : {}),
          ...(e.KAFKA_SSL_KEY_FILE ? { key: e.KAFKA_SSL_KEY_FILE } : {}),
        }
      : null;
  const sasl = e.KAFKA_SASL_MECHANISM
    ? { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME ?? '', password: e.KAFKA_SASL_PASSWORD ?? '' }
    : null;
  return {
    port: e.PORT,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL ?? null,
    eventStore: e.EVENT_STORE,
    kurrentdbUrl: e.KURRENTDB_URL ?? null,
    kurrentdbGuards: e.KURRENTDB_GUARDS === 'on',
    kurrentdbGuardRetentionDays: e.KURRENTDB_GUARD_RETENTION_DAYS,
    kafkaBrokers: e.KAFKA_BROKERS,
    provinceCode: e.PROVINCE_CODE,
    syncMode: e.SYNC_MODE,
    syncPeers: e.SYNC_PEERS,
    syncTopicPrefix: e.SYNC_TOPIC_PREFIX,
    syncInApi: e.SYNC_IN_API === 'on',
    authMode: e.AUTH_MODE,
    jwt: e.AUTH_MODE === 'jwt' || JWT_SETTINGS.some((name) => isGiven(env, name)) ? jwtSettingsOf(e) : null,
    oidc: e.OIDC_CLIENT_ID ? oidcSettingsOf(e, e.OIDC_CLIENT_ID) : null,
    pseudonymSecret: e.PSEUDONYM_SECRET ?? DEV_SECRET,
    // Embedded default without a key: the node keeps its own in DATA_DIR/vault.key (null here).
    vaultMasterKey: e.VAULT_MASTER_KEY ?? null,
    logLevel: e.LOG_LEVEL,
    workerMetricsPort: e.WORKER_METRICS_PORT ?? null,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    projectionWaitMs: e.PROJECTION_WAIT_MS,
    logPollMs: e.LOG_POLL_MS,
    doseWriters: e.DOSE_WRITERS,
    // PGlite runs on the API process's own event loop: a projector thread would only query it
    // through the socket from another thread, so the embedded default projects inline.
    projector: isGiven(env, 'PROJECTOR') ? e.PROJECTOR : embedded ? 'inline' : 'thread',
    logCheckpoint: { everyEvents: e.LOG_CHECKPOINT_EVERY_EVENTS, intervalMs: e.LOG_CHECKPOINT_INTERVAL_S * 1000 },
    aefiSignal: { minReports: e.AEFI_SIGNAL_MIN_REPORTS, alpha: e.AEFI_SIGNAL_ALPHA },
    syncHealth: {
      staleAfterSeconds: e.SYNC_HEALTH_STALE_AFTER_S,
      relayBehindSeconds: e.SYNC_HEALTH_RELAY_BEHIND_S,
      silentAfterSeconds: e.SYNC_HEALTH_SILENT_AFTER_S,
    },
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    kafkaSecurity: { ssl, sasl },
    syncSigningKey: e.SYNC_SIGNING_KEY ?? null,
    syncTrustList: e.SYNC_TRUST_LIST ?? null,
    certificateKeysFile: e.CERTIFICATE_KEYS_FILE ? resolve(e.CERTIFICATE_KEYS_FILE) : join(resolve(e.DATA_DIR), 'certificate-keys.json'),
    embedded,
  };
};

const jwtSettingsOf = (e: Environment): JwtSettings => ({
  jwksFile: e.JWT_JWKS_FILE ?? null,
  jwksUrl: e.JWT_JWKS_URL ?? null,
  issuer: e.JWT_ISSUER ?? '',
  audience: e.JWT_AUDIENCE ?? '',
  clockToleranceSeconds: e.JWT_CLOCK_TOLERANCE_S,
});

const oidcSettingsOf = (e: Environment, clientId: string): OidcSettings => ({
  issuer: e.OIDC_ISSUER ?? e.JWT_ISSUER ?? '',
  authorizationEndpoint: e.OIDC_AUTHORIZATION_ENDPOINT ?? null,
  tokenEndpoint: e.OIDC_TOKEN_ENDPOINT ?? null,
  clientId,
  scopes: e.OIDC_SCOPES,
  redirectUri: e.OIDC_REDIRECT_URI ?? null,
});

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
