import { type Application, CommandExecutor, createApplication, SqlIdempotencyStore } from '@vaxledger/application';
import { PERSON_GRANT_TTL_MS } from '../auth/policy';
import { useCaseAccess } from '../auth/use-case-access';
import type { Metrics } from './metrics';
import type { NodeRuntime } from './node-runtime';

/** The command kernel on a node's runtime: its log, its idempotency table, its projector. */
export const nodeExecutor = (runtime: NodeRuntime, metrics?: Metrics): CommandExecutor => {
  const { store, readModels, settings } = runtime;
  return new CommandExecutor({
    store,
    provinceCode: settings.provinceCode,
    idempotency: new SqlIdempotencyStore(readModels.dataSource, readModels.schema),
    catchUp: async () => readModels.runner.waitFor(await store.latestPosition(), settings.projectionWaitMs),
    ...(metrics ? { observe: (command, outcome, seconds) => metrics.appendSeconds.observe({ command, outcome }, seconds) } : {}),
  });
};

/** The use-case handlers of a node, wired to its runtime and to the API's access policy. */
export const nodeApplication = (runtime: NodeRuntime, executor: CommandExecutor): Application =>
  createApplication({
    executor,
    readModels: runtime.readModels,
    vault: runtime.vault,
    grants: runtime.auth,
    siteLocks: runtime.siteLocks,
    access: useCaseAccess(runtime),
    provinceCode: runtime.settings.provinceCode,
    pseudonymSecret: runtime.settings.pseudonymSecret,
    personGrantTtlMs: PERSON_GRANT_TTL_MS,
  });
