import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { PROVINCE } from './province-code';
import { parseTrustList, TrustListError } from './trust-list';

/**
 * The environment of a node as a zod schema, in two passes:
 * 1. each setting on its own (type, range, format, files it names); a bad one is reported
 *    and replaced by its default, so that
 * 2. the rules between settings (mode-dependent requirements) still run and every problem
 *    is reported in one go.
 * Messages name the setting and the reason, never the value (secrets included).
 */

/** Reads a file named by a setting (certificates, keys, the trust list). */
export type ReadText = (path: string) => string;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An identity provider's address: https, or http on this machine only (tests, a local provider). */
const OIDC_URL = /^(https:\/\/[^\s]+|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/[^\s]*)?)$/;

/** Unset, empty and blank all mean "not given"; anything else is trimmed. */
const given = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
};

/**
 * Builds the per-setting schemas. A setting that fails reports its messages to `report` and
 * takes `fallback`, so pass 2 sees a complete, typed object.
 */
export const environmentSchema = (readText: ReadText, report: (messages: readonly string[]) => void) => {
  const setting = <T extends z.ZodType>(schema: T, fallback: z.output<T>) =>
    z.preprocess(given, schema).catch((ctx) => {
      report(ctx.error.issues.map((issue) => issue.message));
      return fallback;
    });
  const optional = <T extends z.ZodType>(schema: T) => setting(schema.optional(), undefined);
  const oneOf = <const T extends readonly [string, ...string[]]>(name: string, values: T, fallback: T[number]) =>
    setting(z.enum(values, { error: `${name} must be one of ${values.join(', ')}` }).default(fallback), fallback);
  const int = (name: string, fallback: number, min: number, max: number) => {
    const error = `${name} must be an integer from ${min} to ${max}`;
    return setting(z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback), fallback);
  };
  const list = (error: string, item: RegExp) =>
    setting(
      z
        .string()
        .default('')
        .transform((raw) =>
          raw
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part.length > 0),
        )
        .pipe(z.array(z.string().regex(item, { error }))),
      [],
    );
  const url = (error: string, pattern: RegExp) => optional(z.string().regex(pattern, { error }));
  const text = () => optional(z.string());
  /** A setting naming a file whose text is needed (PEM certificates). */
  const file = (name: string) =>
    optional(
      z.string().transform((path, ctx) => {
        try {
          return readText(path);
        } catch {
          ctx.addIssue({ code: 'custom', message: `${name} names a file that cannot be read` });
          return z.NEVER;
        }
      }),
    );

  return z.object({
    PORT: int('PORT', 3000, 0, 65535),
    DATA_DIR: setting(z.string().default('./data'), './data'),
    DATABASE_URL: url('DATABASE_URL must be a postgres:// URL', /^postgres(ql)?:\/\//),
    EVENT_STORE: oneOf('EVENT_STORE', ['postgres', 'kurrentdb'], 'postgres'),
    KURRENTDB_URL: url('KURRENTDB_URL must be an esdb:// or kurrentdb:// URL', /^(esdb|kurrentdb)(\+discover)?:\/\//),
    KURRENTDB_GUARDS: oneOf('KURRENTDB_GUARDS', ['on', 'off'], 'on'),
    KURRENTDB_GUARD_RETENTION_DAYS: int('KURRENTDB_GUARD_RETENTION_DAYS', 30, 0, 3650),
    KAFKA_BROKERS: list('KAFKA_BROKERS must be a comma-separated list of host:port', /^[A-Za-z0-9.-]+:\d{1,5}$/),
    PROVINCE_CODE: setting(
      z
        .string()
        .regex(PROVINCE, { error: 'PROVINCE_CODE must be a GB/T 2260 province code like 510000 (or 000000 for the hub)' })
        .default('510000'),
      '510000',
    ),
    SYNC_MODE: oneOf('SYNC_MODE', ['peer', 'hub', 'direct'], 'peer'),
    SYNC_PEERS: list('SYNC_PEERS must list province codes like 440000', PROVINCE),
    SYNC_TOPIC_PREFIX: setting(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, { error: 'SYNC_TOPIC_PREFIX must be 1-41 lower-case letters, digits, - or _' })
        .default('vaxledger'),
      'vaxledger',
    ),
    SYNC_IN_API: oneOf('SYNC_IN_API', ['on', 'off'], 'on'),
    AUTH_MODE: oneOf('AUTH_MODE', ['dev', 'jwt'], 'dev'),
    PSEUDONYM_SECRET: optional(z.string().min(16, { error: 'PSEUDONYM_SECRET must be at least 16 characters' })),
    VAULT_MASTER_KEY: optional(
      z
        .string()
        .transform((raw) => Buffer.from(raw, 'base64'))
        .refine((key) => key.length === 32, { error: 'VAULT_MASTER_KEY must be 32 bytes, base64-encoded' }),
    ),
    LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    WORKER_METRICS_PORT: optional(
      z.coerce
        .number({ error: 'WORKER_METRICS_PORT must be an integer from 1 to 65535' })
        .int({ error: 'WORKER_METRICS_PORT must be an integer from 1 to 65535' })
        .min(1, { error: 'WORKER_METRICS_PORT must be an integer from 1 to 65535' })
        .max(65535, { error: 'WORKER_METRICS_PORT must be an integer from 1 to 65535' }),
    ),
    BODY_LIMIT_BYTES: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    PROJECTION_WAIT_MS: int('PROJECTION_WAIT_MS', 5000, 0, 120000),
    LOG_POLL_MS: int('LOG_POLL_MS', 50, 1, 5000),
    DOSE_WRITERS: int('DOSE_WRITERS', 2, 0, 64),
    PROJECTOR: oneOf('PROJECTOR', ['thread', 'inline', 'worker'] as const, 'thread'),
    RATE_LIMIT_PER_MINUTE: int('RATE_LIMIT_PER_MINUTE', 3000, 0, 1_000_000),
    LOG_CHECKPOINT_EVERY_EVENTS: int('LOG_CHECKPOINT_EVERY_EVENTS', 1000, 1, 10_000),
    LOG_CHECKPOINT_INTERVAL_S: int('LOG_CHECKPOINT_INTERVAL_S', 60, 1, 86_400),
    // When /health reads the sync links as down. An idle consumer hears from the broker about
    // every second, a heartbeat every 3 s: below 5 s of silence a rebalance would read as an outage.
    SYNC_HEALTH_STALE_AFTER_S: int('SYNC_HEALTH_STALE_AFTER_S', 15, 1, 3600),
    SYNC_HEALTH_RELAY_BEHIND_S: int('SYNC_HEALTH_RELAY_BEHIND_S', 300, 1, 86_400),
    SYNC_HEALTH_SILENT_AFTER_S: int('SYNC_HEALTH_SILENT_AFTER_S', 10, 5, 3600),
    AEFI_SIGNAL_MIN_REPORTS: int('AEFI_SIGNAL_MIN_REPORTS', 3, 1, 1_000_000),
    AEFI_SIGNAL_ALPHA: setting(
      z
        .string()
        .regex(/^0?\.\d+$/, { error: 'AEFI_SIGNAL_ALPHA must be a decimal between 0 and 1, e.g. 0.01' })
        .transform(Number)
        .refine((alpha) => alpha > 0 && alpha < 1, { error: 'AEFI_SIGNAL_ALPHA must be a decimal between 0 and 1, e.g. 0.01' })
        .default(0.01),
      0.01,
    ),
    KAFKA_SSL: oneOf('KAFKA_SSL', ['true', 'false'], 'false'),
    KAFKA_SSL_CA_FILE: file('KAFKA_SSL_CA_FILE'),
    KAFKA_SSL_CERT_FILE: file('KAFKA_SSL_CERT_FILE'),
    KAFKA_SSL_KEY_FILE: file('KAFKA_SSL_KEY_FILE'),
    // A wrong mechanism still asks for a user and password, as the default one would.
    KAFKA_SASL_MECHANISM: setting(
      z
        .enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
          error: 'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512',
        })
        .optional(),
      'scram-sha-512',
    ),
    KAFKA_SASL_USERNAME: text(),
    KAFKA_SASL_PASSWORD: text(),
    SYNC_SIGNING_KEY: optional(
      z.string().transform((value, ctx): KeyObject => {
        let key: KeyObject;
        try {
          key = createPrivateKey(pemOrFile(value, readText));
        } catch {
          ctx.addIssue({
            code: 'custom',
            message: 'SYNC_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM, or the path of a file holding one',
          });
          return z.NEVER;
        }
        if (key.asymmetricKeyType === 'ed25519') return key;
        ctx.addIssue({ code: 'custom', message: 'SYNC_SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM)' });
        return z.NEVER;
      }),
    ),
    SYNC_TRUST_LIST: optional(
      z.string().transform((value, ctx) => {
        try {
          return parseTrustList(value.startsWith('{') ? value : readText(value));
        } catch (error) {
          const reason = error instanceof TrustListError ? error.message : 'names a file that cannot be read';
          ctx.addIssue({ code: 'custom', message: `SYNC_TRUST_LIST ${reason}` });
          return z.NEVER;
        }
      }),
    ),
    CERTIFICATE_KEYS_FILE: text(),
    JWT_JWKS_FILE: text(),
    JWT_JWKS_URL: url(
      'JWT_JWKS_URL must be an https:// URL (http:// only on localhost)',
      /^(https:\/\/|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/)/,
    ),
    JWT_ISSUER: text(),
    JWT_AUDIENCE: text(),
    JWT_CLOCK_TOLERANCE_S: int('JWT_CLOCK_TOLERANCE_S', 30, 0, 300),
    // The console's sign-in (OpenID Connect authorization code flow with PKCE, AUTH_MODE=jwt).
    OIDC_CLIENT_ID: optional(
      z.string().regex(/^[\x21-\x7e]{1,200}$/, { error: 'OIDC_CLIENT_ID must be 1-200 printable ASCII characters' }),
    ),
    OIDC_ISSUER: url('OIDC_ISSUER must be an https:// URL (http:// only on localhost)', OIDC_URL),
    OIDC_AUTHORIZATION_ENDPOINT: url('OIDC_AUTHORIZATION_ENDPOINT must be an https:// URL (http:// only on localhost)', OIDC_URL),
    OIDC_TOKEN_ENDPOINT: url('OIDC_TOKEN_ENDPOINT must be an https:// URL (http:// only on localhost)', OIDC_URL),
    OIDC_SCOPES: setting(
      z
        .string()
        .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, {
          error: 'OIDC_SCOPES must be scope names separated by single spaces',
        })
        .default('openid'),
      'openid',
    ),
    OIDC_REDIRECT_URI: url('OIDC_REDIRECT_URI must be an https:// URL (http:// only on localhost)', OIDC_URL),
  });
};

export type Environment = z.output<ReturnType<typeof environmentSchema>>;

/** PEM text (with `\n` escapes allowed, for one-line environment files), or the path of a file holding it. */
const pemOrFile = (value: string, readText: ReadText): string =>
  value.startsWith('-----BEGIN') ? value.replace(/\\n/g, '\n') : readText(value);
