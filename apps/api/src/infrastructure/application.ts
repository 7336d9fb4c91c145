import { type Application, CommandExecutor, createApplication, SqlIdempotencyStore } from '@vaxledger/application';
import { PostgresEventStore } from '@vaxledger/event-store';
import { PERSON_GRANT_TTL_MS } from '../auth/policy';
import { readAccess } from '../auth/read-access';
import { useCaseAccess } from '../auth/use-case-access';
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

const idempotencyOf = (runtime: NodeRuntime): SqlIdempotencyStore =>
  new SqlIdempotencyStore(runtime.readModels.dataSource, runtime.readModels.schema);

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
    personCompleteness: runtime.sync
      ? (personId) => {
          const sync = runtime.sync!;
          return sync.history.completeness(personId, new Map(sync.inbox.lag().map((l) => [l.origin, l.upTo])));
        }
      : undefined,
    personHistory: runtime.sync?.history ?? null,
    aefiSignal: runtime.settings.aefiSignal,
    ...(clock ? { clock } : {}),
    provinceCode: runtime.settings.provinceCode,
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
          }
        : undefined,
  });
