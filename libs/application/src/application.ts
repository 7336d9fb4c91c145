import type { PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import { EnterDoseInErrorHandler } from './doses/enter-dose-in-error.handler';
import { RecordDoseHandler } from './doses/record-dose.handler';
import type { CommandExecutor } from './kernel/command-executor';
import type { AccessPolicy, Clock, KeyedSerialiser, PersonGrants } from './kernel/ports';

/** Everything the use cases of a node run on; each entry point (HTTP, CLI, demo) builds it once. */
export interface ApplicationDeps {
  readonly executor: CommandExecutor;
  readonly readModels: ReadModels;
  readonly vault: PersonVault;
  readonly grants: PersonGrants;
  readonly siteLocks: KeyedSerialiser;
  readonly access: AccessPolicy;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  readonly personGrantTtlMs: number;
  readonly clock?: Clock;
}

/** One handler per write use case. */
export interface Application {
  readonly recordDose: RecordDoseHandler;
  readonly enterDoseInError: EnterDoseInErrorHandler;
}

export const createApplication = (deps: ApplicationDeps): Application => {
  const { executor, readModels: reads, provinceCode } = deps;
  const clock = deps.clock ? { clock: deps.clock } : {};
  return {
    recordDose: new RecordDoseHandler({
      executor,
      reads,
      vault: deps.vault,
      grants: deps.grants,
      siteLocks: deps.siteLocks,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
      personGrantTtlMs: deps.personGrantTtlMs,
      ...clock,
    }),
    enterDoseInError: new EnterDoseInErrorHandler({ executor, reads, access: deps.access, provinceCode, ...clock }),
  };
};
