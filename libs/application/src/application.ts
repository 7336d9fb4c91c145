import { DEFAULT_SIGNAL_THRESHOLDS, type SignalThresholds } from '@vaxledger/domain';
import type { PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import { AcknowledgeAefiHandler } from './aefi/acknowledge-aefi.handler';
import { ClassifyAefiHandler } from './aefi/classify-aefi.handler';
import { RaiseAefiSignalHandler } from './aefi/raise-aefi-signal.handler';
import { ReportAefiHandler } from './aefi/report-aefi.handler';
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
  /** The AEFI signal rule (settings AEFI_SIGNAL_MIN_REPORTS, AEFI_SIGNAL_ALPHA). */
  readonly aefiSignal?: SignalThresholds;
}

/** One handler per write use case. */
export interface Application {
  readonly recordDose: RecordDoseHandler;
  readonly enterDoseInError: EnterDoseInErrorHandler;
  readonly reportAefi: ReportAefiHandler;
  readonly acknowledgeAefi: AcknowledgeAefiHandler;
  readonly classifyAefi: ClassifyAefiHandler;
  readonly raiseAefiSignal: RaiseAefiSignalHandler;
}

export const createApplication = (deps: ApplicationDeps): Application => {
  const { executor, readModels: reads, provinceCode } = deps;
  const clock = deps.clock ? { clock: deps.clock } : {};
  const raiseAefiSignal = new RaiseAefiSignalHandler({
    executor,
    reads,
    provinceCode,
    thresholds: deps.aefiSignal ?? DEFAULT_SIGNAL_THRESHOLDS,
    ...clock,
  });
  const aefiCase = { executor, reads, access: deps.access, provinceCode, ...clock };
  return {
    reportAefi: new ReportAefiHandler({
      executor,
      reads,
      vault: deps.vault,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
      signals: raiseAefiSignal,
      ...clock,
    }),
    acknowledgeAefi: new AcknowledgeAefiHandler(aefiCase),
    classifyAefi: new ClassifyAefiHandler(aefiCase),
    raiseAefiSignal,
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
