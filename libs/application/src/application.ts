import type { EventStore } from '@vaxledger/event-store';
import { DEFAULT_SIGNAL_THRESHOLDS, type SignalThresholds } from '@vaxledger/domain';
import type { PersonVault } from '@vaxledger/privacy';
import type { ReadModels } from '@vaxledger/projections';
import { AcknowledgeAefiHandler } from './aefi/acknowledge-aefi.handler';
import { ClassifyAefiHandler } from './aefi/classify-aefi.handler';
import { RaiseAefiSignalHandler } from './aefi/raise-aefi-signal.handler';
import { ReportAefiHandler } from './aefi/report-aefi.handler';
import type { LotReleaseDeps } from './batches/lot-release';
import { RefuseReleaseHandler } from './batches/refuse-release.handler';
import { RegisterBatchHandler } from './batches/register-batch.handler';
import { ReleaseBatchHandler } from './batches/release-batch.handler';
import { DestroyUnitsHandler } from './destructions/destroy-units.handler';
import { type CertificateKeys, IssueCertificateHandler } from './certificates/issue-certificate.handler';
import type { CardCoding, CardDose } from './certificates/health-card-bundle';
import { PublishRevocationsHandler } from './certificates/publish-revocations.handler';
import type { CompletenessClaim } from './certificates/smart-health-card';
import { VaccinationStatusHandler } from './certificates/vaccination-status.handler';
import { EnterDoseInErrorHandler } from './doses/enter-dose-in-error.handler';
import type { GuardedAppendDoseDeps } from './doses/dose-guarded-append';
import type { DoseTransactionDeps } from './doses/dose-in-one-transaction';
import { ImportDosesHandler } from './doses/import-doses.handler';
import type { LiveDoseGroupOptions } from './doses/live-dose-groups';
import { RecordDoseHandler } from './doses/record-dose.handler';
import { ListAefiQueueQuery } from './aefi/list-aefi-queue.query';
import { ReadAefiReportQuery } from './aefi/read-aefi-report.query';
import type { ReadAccessPolicy } from './audit/audited-reads';
import { ExportRecallImpactQuery } from './batches/export-recall-impact.query';
import { ListRecallRecipientsQuery } from './batches/list-recall-recipients.query';
import type { AccessPolicy } from './kernel/access';
import { ReadImmunizationsQuery } from './persons/read-immunizations.query';
import { ReadPatientQuery } from './persons/read-patient.query';
import { ReadPersonRecordQuery } from './persons/read-person-record.query';
import type { CommandExecutor } from './kernel/command-executor';
import type { Clock, KeyedSerialiser, PersonGrants } from './kernel/ports';
import { RegisterOrganisationHandler } from './organisations/register-organisation.handler';
import { ErasePersonDetailsHandler } from './persons/erase-person-details.handler';
import { IdentifyPersonHandler, type PersonHistory } from './persons/identify-person.handler';
import { RegisterProductHandler } from './products/register-product.handler';
import { LaunchRecallHandler } from './recalls/launch-recall.handler';
import { LiftRecallHandler } from './recalls/lift-recall.handler';
import { DispatchShipmentHandler } from './shipments/dispatch-shipment.handler';
import { ReceiveShipmentHandler } from './shipments/receive-shipment.handler';
import { type AtomicAppendDeps, RecordSupplyDocumentHandler } from './supply-documents/record-supply-document.handler';

/** Everything the use cases of a node run on; each entry point (HTTP, CLI, demo) builds it once. */
export interface ApplicationDeps {
  readonly executor: CommandExecutor;
  /** The log, for what is appended outside a command (the access trail). */
  readonly store: EventStore;
  readonly readModels: ReadModels;
  readonly vault: PersonVault;
  readonly grants: PersonGrants;
  readonly siteLocks: KeyedSerialiser;
  readonly access: AccessPolicy;
  /** Who may read what personal data (the audited reads). */
  readonly readAccess: ReadAccessPolicy;
  /** With sync on: how complete a person's record is per origin province. */
  readonly personCompleteness?: ((personId: string) => Promise<unknown>) | undefined;
  /** Sync's history pull; null where sync is off. */
  readonly personHistory: PersonHistory | null;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  readonly personGrantTtlMs: number;
  readonly clock?: Clock;
  /** The one-transaction dose path's parts, where the store supports it (ADR 0011). */
  readonly doseTransaction?: DoseTransactionDeps | undefined;
  /** The guarded-append dose path, where the log is in KurrentDB with guard rows (ADR 0029). */
  readonly guardedDose?: GuardedAppendDoseDeps | undefined;
  /** Doses arriving while every slot is busy are written together (LiveDoseGroups); absent: one by one. */
  readonly liveDoseGroups?: LiveDoseGroupOptions | undefined;
  /** Appends of several streams in one transaction (a supply document), where the store can. */
  readonly atomicAppend?: AtomicAppendDeps | undefined;
  /** The AEFI signal rule (settings AEFI_SIGNAL_MIN_REPORTS, AEFI_SIGNAL_ALPHA). */
  readonly aefiSignal?: SignalThresholds;
  /** Signed certificates (docs/adr/0018-signed-certificates.md); without them, issuing answers CERTIFICATE_UNAVAILABLE. */
  readonly certificates?: {
    readonly keys: () => CertificateKeys | null;
    readonly codingsOf: (dose: CardDose) => readonly CardCoding[];
    readonly completeness: ((personId: string) => Promise<readonly CompletenessClaim[]>) | null;
  };
}

/** One handler per write use case, grouped by feature, and one per audited read. */
export interface Application {
  readonly readPersonRecord: ReadPersonRecordQuery;
  readonly readImmunizations: ReadImmunizationsQuery;
  readonly readPatient: ReadPatientQuery;
  readonly readAefiReport: ReadAefiReportQuery;
  readonly listAefiQueue: ListAefiQueueQuery;
  readonly exportRecallImpact: ExportRecallImpactQuery;
  readonly listRecallRecipients: ListRecallRecipientsQuery;
  readonly recordDose: RecordDoseHandler;
  /** A dose file's rows through the bulk dose path (ADR 0030). */
  readonly importDoses: ImportDosesHandler;
  readonly enterDoseInError: EnterDoseInErrorHandler;
  readonly registerOrganisation: RegisterOrganisationHandler;
  readonly registerProduct: RegisterProductHandler;
  readonly registerBatch: RegisterBatchHandler;
  readonly releaseBatch: ReleaseBatchHandler;
  readonly refuseRelease: RefuseReleaseHandler;
  readonly dispatchShipment: DispatchShipmentHandler;
  readonly receiveShipment: ReceiveShipmentHandler;
  /** Supply commands all or nothing (EPCIS capture documents). */
  readonly recordSupplyDocument: RecordSupplyDocumentHandler;
  readonly destroyUnits: DestroyUnitsHandler;
  readonly launchRecall: LaunchRecallHandler;
  readonly liftRecall: LiftRecallHandler;
  readonly erasePersonDetails: ErasePersonDetailsHandler;
  readonly identifyPerson: IdentifyPersonHandler;
  readonly reportAefi: ReportAefiHandler;
  readonly acknowledgeAefi: AcknowledgeAefiHandler;
  readonly classifyAefi: ClassifyAefiHandler;
  readonly raiseAefiSignal: RaiseAefiSignalHandler;
  readonly issueCertificate: IssueCertificateHandler;
  readonly publishRevocations: PublishRevocationsHandler;
  readonly vaccinationStatus: VaccinationStatusHandler;
}

export const createApplication = (deps: ApplicationDeps): Application => {
  const { executor, readModels: reads, provinceCode, access } = deps;
  // Every handler gets the same clock; without one, each reads the system time.
  const common = { executor, ...(deps.clock ? { clock: deps.clock } : {}) };
  const release: LotReleaseDeps = { ...common, reads, access };
  const raiseAefiSignal = new RaiseAefiSignalHandler({
    ...common,
    reads,
    provinceCode,
    thresholds: deps.aefiSignal ?? DEFAULT_SIGNAL_THRESHOLDS,
  });
  const aefiCase = { ...common, reads, access, provinceCode };
  const audited = {
    store: deps.store,
    provinceCode,
    reads,
    access: deps.readAccess,
    ...(deps.clock ? { clock: deps.clock } : {}),
  };
  const certificates = deps.certificates ?? { keys: () => null, codingsOf: () => [], completeness: null };
  const clock = deps.clock ? { clock: deps.clock } : {};
  const recordDose = new RecordDoseHandler({
    ...common,
    reads,
    vault: deps.vault,
    grants: deps.grants,
    siteLocks: deps.siteLocks,
    provinceCode,
    pseudonymSecret: deps.pseudonymSecret,
    personGrantTtlMs: deps.personGrantTtlMs,
    oneTransaction: deps.doseTransaction,
    guardedAppend: deps.guardedDose,
    liveGroups: deps.liveDoseGroups,
  });
  return {
    readPersonRecord: new ReadPersonRecordQuery({ ...audited, vault: deps.vault, completeness: deps.personCompleteness }),
    readImmunizations: new ReadImmunizationsQuery(audited),
    readPatient: new ReadPatientQuery({ ...audited, vault: deps.vault }),
    readAefiReport: new ReadAefiReportQuery(audited),
    listAefiQueue: new ListAefiQueueQuery(audited),
    exportRecallImpact: new ExportRecallImpactQuery(audited),
    listRecallRecipients: new ListRecallRecipientsQuery(audited),
    recordDose,
    importDoses: new ImportDosesHandler({ recordDose, pseudonymSecret: deps.pseudonymSecret }),
    enterDoseInError: new EnterDoseInErrorHandler({ ...common, reads, access, provinceCode }),
    registerOrganisation: new RegisterOrganisationHandler({ ...common, access }),
    registerProduct: new RegisterProductHandler({ ...common, reads }),
    registerBatch: new RegisterBatchHandler({ ...common, reads }),
    releaseBatch: new ReleaseBatchHandler(release),
    refuseRelease: new RefuseReleaseHandler(release),
    dispatchShipment: new DispatchShipmentHandler({ ...common, reads }),
    receiveShipment: new ReceiveShipmentHandler({ ...common, reads, access }),
    recordSupplyDocument: new RecordSupplyDocumentHandler({ ...common, store: deps.store, reads, access, atomic: deps.atomicAppend }),
    destroyUnits: new DestroyUnitsHandler({ ...common, reads }),
    launchRecall: new LaunchRecallHandler({ ...common, reads, access }),
    liftRecall: new LiftRecallHandler({ ...common, reads, access }),
    erasePersonDetails: new ErasePersonDetailsHandler({ ...common, reads, vault: deps.vault, access, provinceCode }),
    identifyPerson: new IdentifyPersonHandler({
      store: deps.store,
      grants: deps.grants,
      history: deps.personHistory,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
      personGrantTtlMs: deps.personGrantTtlMs,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
    reportAefi: new ReportAefiHandler({
      ...common,
      reads,
      vault: deps.vault,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
      signals: raiseAefiSignal,
    }),
    acknowledgeAefi: new AcknowledgeAefiHandler(aefiCase),
    classifyAefi: new ClassifyAefiHandler(aefiCase),
    raiseAefiSignal,
    issueCertificate: new IssueCertificateHandler({
      ...certificates,
      ...clock,
      catchUp: () => executor.catchUp(),
      store: deps.store,
      reads,
      vault: deps.vault,
      access,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
    }),
    publishRevocations: new PublishRevocationsHandler({
      ...clock,
      reads,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
      keys: certificates.keys,
    }),
    vaccinationStatus: new VaccinationStatusHandler({
      ...clock,
      store: deps.store,
      reads,
      history: deps.personHistory,
      provinceCode,
      pseudonymSecret: deps.pseudonymSecret,
      keys: certificates.keys,
      completeness: certificates.completeness,
    }),
  };
};
