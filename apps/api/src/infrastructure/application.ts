import {
  type Application,
  type CardCoding,
  type CardDose,
  CommandExecutor,
  type CompletenessClaim,
  createApplication,
  type GuardedAppendDoseDeps,
  LIVE_DOSE_GROUP_MAX,
  SqlIdempotencyStore,
} from '@vaxledger/application';
import { type EventStore, PostgresEventStore } from '@vaxledger/event-store';
import { PERSON_GRANT_TTL_MS } from '../auth/policy';
import { readAccess } from '../auth/read-access';
import { useCaseAccess } from '../auth/use-case-access';
import { CVX_SYSTEM, vaccineCodings } from '../interop/fhir/vaccine-codes';
import { certificateKeyFile } from './certificate-keys';
import type { Metrics } from './metrics';
import type { NodeRuntime } from './node-runtime';

/** The command kernel on a node's runtime: its log, its idempotency table, its projector. */
export const nodeExecutor = (runtime: NodeRuntime, metrics?: Metrics): CommandExecutor => {
  const { store, readModels, settings } = runtime;
  return new CommandExecutor({
    store,
    provinceCode: settings.provinceCode,
    idempotency: idempotencyOf(runtime),
    catchUp: async () => readModels.runner.waitFor(await store.latestPosition(), settings.projectionWaitMs),
    ...(metrics ? { observe: (command, outcome, seconds) => metrics.appendSeconds.observe({ command, outcome }, seconds) } : {}),
  });
};

/** One idempotency store per node: every use case shares its knowledge that the table exists. */
const idempotencyStores = new WeakMap<NodeRuntime, SqlIdempotencyStore>();
const idempotencyOf = (runtime: NodeRuntime): SqlIdempotencyStore => {
  let store = idempotencyStores.get(runtime);
  if (!store) {
    store = new SqlIdempotencyStore(runtime.readModels.dataSource, runtime.readModels.schema);
    idempotencyStores.set(runtime, store);
  }
  return store;
};

/** A card names the vaccine by its CVX code where one fits, and by our vaccine type always (no displays: the QR is small). */
const cardCodings = (dose: CardDose): CardCoding[] =>
  vaccineCodings({ productCode: dose.productCode, name: null }, dose.vaccineType)
    .filter((c) => c.system === CVX_SYSTEM || c.code === dose.vaccineType)
    .map((c) => ({ system: c.system, code: c.code }));

/** The issuer the embedded default's first key file names (real nodes: `certificate new-key --issuer`). */
export const defaultCertificateIssuer = (provinceCode: string): string => `https://vaxledger.example/issuers/${provinceCode}`;

/** The node's certificate keys, shared by the issuing use cases and the JWKS endpoint. */
export const nodeCertificateKeys = (runtime: NodeRuntime) =>
  certificateKeyFile(
    runtime.settings.certificateKeysFile,
    // Only a node on its own PGlite creates the file (as vault.key); servers provision it.
    runtime.settings.embedded && runtime.settings.databaseUrl === null ? defaultCertificateIssuer(runtime.settings.provinceCode) : null,
  );

/** How complete this node's copy of a person's record is, per origin province (with sync only). */
const personCompletenessOf = (runtime: NodeRuntime) => {
  const sync = runtime.sync;
  if (!sync) return undefined;
  return (personId: string) => sync.history.completeness(personId, new Map(sync.inbox.lag().map((l) => [l.origin, l.upTo])));
};

/** The same, as the claims a certificate or a status carries. */
const completenessOf = (runtime: NodeRuntime): ((personId: string) => Promise<CompletenessClaim[]>) | null => {
  const report = personCompletenessOf(runtime);
  if (!report) return null;
  return async (personId) => (await report(personId)).origins.map((o) => ({ origin: o.origin, completeUpTo: o.completeUpTo }));
};

/** The use-case handlers of a node, wired to its runtime and to the API's access policy. */
export const nodeApplication = (runtime: NodeRuntime, executor: CommandExecutor, clock?: () => string): Application =>
  createApplication({
    executor,
    store: runtime.store,
    readModels: runtime.readModels,
    vault: runtime.vault,
    grants: runtime.auth,
    siteLocks: runtime.siteLocks,
    access: useCaseAccess(runtime),
    readAccess: readAccess(runtime),
    personCompleteness: personCompletenessOf(runtime),
    personHistory: runtime.sync?.history ?? null,
    aefiSignal: runtime.settings.aefiSignal,
    ...(clock ? { clock } : {}),
    provinceCode: runtime.settings.provinceCode,
    certificates: { keys: nodeCertificateKeys(runtime), codingsOf: cardCodings, completeness: completenessOf(runtime) },
    pseudonymSecret: runtime.settings.pseudonymSecret,
    personGrantTtlMs: PERSON_GRANT_TTL_MS,
    // The log in PostgreSQL: a supply document's streams are appended in one transaction.
    atomicAppend: runtime.store instanceof PostgresEventStore ? { store: runtime.store, idempotency: idempotencyOf(runtime) } : undefined,
    // The log in PostgreSQL with guard rows: a dose is one transaction (ADR 0011).
    doseTransaction:
      runtime.store instanceof PostgresEventStore && runtime.store.capabilities.guards
        ? {
            store: runtime.store,
            vault: runtime.vault,
            grants: runtime.auth,
            idempotency: idempotencyOf(runtime),
            validDosesIn: (db, personId) => runtime.readModels.validDosesIn(db, personId),
            // Bulk loads (demo seeding, imports): one statement of each kind per group of doses.
            bulk: {
              vault: runtime.vault,
              grants: runtime.auth,
              validDosesManyIn: (db, personIds) => runtime.readModels.validDosesManyIn(db, personIds),
              // The error's code and message only: a driver's detail may quote row values.
              onGroupRetried: (doses, error) =>
                process.stderr.write(
                  `vaxledger: a group of ${doses} doses rolled back as a whole (${errorSummary(error)}); recording them one by one\n`,
                ),
            },
          }
        : undefined,
    // The log in KurrentDB with guard rows in PostgreSQL: reserve keyed by event id, then append (ADR 0029).
    guardedDose: guardedDoseOf(runtime),
    // Doses arriving while DOSE_WRITERS transactions are busy are written together (ADR 0034).
    liveDoseGroups:
      runtime.settings.doseWriters > 0
        ? {
            slots: runtime.settings.doseWriters,
            maxGroup: LIVE_DOSE_GROUP_MAX,
            onGroup: (doses) => runtime.activity.emit('doseGroup', doses),
          }
        : undefined,
  });

const guardedDoseOf = (runtime: NodeRuntime): GuardedAppendDoseDeps | undefined => {
  const store = guardedKurrentDb(runtime.store);
  return store ? { store, vault: runtime.vault, grants: runtime.auth, idempotency: idempotencyOf(runtime) } : undefined;
};

/** The KurrentDB store when it keeps guard rows in PostgreSQL (ADR 0029), else null. */
const guardedKurrentDb = (store: EventStore): GuardedAppendDoseDeps['store'] | null =>
  store.capabilities.adapter === 'kurrentdb' && store.capabilities.guards && 'guardFacts' in store && 'guardsCatchUp' in store
    ? (store as GuardedAppendDoseDeps['store'])
    : null;

/** An error as `code: message`, without a driver's detail (which may quote row values). */
const errorSummary = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
};
