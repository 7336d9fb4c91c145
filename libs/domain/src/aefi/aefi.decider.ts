import { requireInstant, requireNotInFuture } from '../shared/assertions';
import { compareInstants, type Instant } from '../shared/dates';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { isUrgent, reportingDeadline } from './aefi.clocks';
import {
  adverseEventReported,
  aefiAcknowledged,
  aefiClassified,
  type AefiClass,
  type AefiDose,
  type AefiEvent,
  type AefiOutcome,
  type SeriousCriterion,
} from './aefi.events';

// ---------------------------------------------------------------------------------------------
// Facts the handler looks up

/** A dose as this node's person-record read model holds it (from any province). */
export interface AefiDoseFacts extends AefiDose {
  readonly personId: string;
  readonly voided: boolean;
}

/** A report as this node's AEFI read model holds it (reported here or received by sync). */
export interface AefiReportFacts {
  readonly reportId: string;
  readonly reportProvince: string;
  /** Provinces of vaccination and of the reporter: where acknowledgement and class must go. */
  readonly provinces: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Commands

export interface ReportAefiData {
  readonly reportId: string;
  readonly personId: string;
  readonly doseEventIds: readonly string[];
  readonly discoveredAt: Instant;
  readonly onsetAt: Instant;
  readonly signs: readonly string[];
  readonly serious: boolean;
  readonly seriousCriteria?: readonly SeriousCriterion[];
  readonly cluster: boolean;
  readonly majorPublicImpact: boolean;
  readonly outcome: AefiOutcome;
  readonly narrativeInVault: boolean;
}

export interface ReportAefiContext extends BaseContext {
  /** The province of the node taking the report (its stream's owner). */
  readonly nodeProvince: string;
  /** Each named dose as known here; null for a dose this node has never seen. */
  readonly doses: Readonly<Record<string, AefiDoseFacts | null>>;
}

export interface AefiCaseContext extends BaseContext {
  readonly nodeProvince: string;
  readonly report: AefiReportFacts | null;
}

export type ReportAefi = Command<'ReportAefi', ReportAefiData, ReportAefiContext>;
export type AcknowledgeAefi = Command<'AcknowledgeAefi', { reportId: string }, AefiCaseContext>;
export type ClassifyAefi = Command<'ClassifyAefi', { reportId: string; aefiClass: AefiClass }, AefiCaseContext>;
export type AefiCommand = ReportAefi | AcknowledgeAefi | ClassifyAefi;

// ---------------------------------------------------------------------------------------------
// State of one `aefi-{province}-{reportId}` stream: the report (reporter's node) and/or the
// case file of a CDC's node (acknowledgement, class).

export interface AefiState {
  readonly reported: boolean;
  readonly acknowledged: boolean;
  readonly aefiClass: AefiClass | null;
}

const initialState = (): AefiState => ({ reported: false, acknowledged: false, aefiClass: null });

const report = (command: ReportAefi, state: AefiState): AefiEvent[] => {
  const { data, context } = command;
  if (state.reported) throw new RuleViolation('AEFI_REPORT_EXISTS', `report ${data.reportId} exists`, 'reportId');
  requireInstant(data.onsetAt, 'onsetAt');
  // Discovery is when the clock starts: a discovery in the future would move the deadline.
  requireNotInFuture(data.discoveredAt, context.now, 'discoveredAt');
  if (compareInstants(data.onsetAt, data.discoveredAt) > 0)
    throw new RuleViolation('ONSET_AFTER_DISCOVERY', `onsetAt ${data.onsetAt} is after discoveredAt ${data.discoveredAt}`, 'onsetAt');
  if (data.doseEventIds.length === 0) throw new RuleViolation('UNKNOWN_DOSE', 'a report follows at least one dose', 'doseEventIds');
  const doses: AefiDose[] = [];
  for (const id of new Set(data.doseEventIds)) {
    const dose = context.doses[id] ?? null;
    // A dose of another province not yet synced here is unknown too: the clinic is told so.
    if (!dose) throw new RuleViolation('UNKNOWN_DOSE', `no dose ${id} is known on this node`, 'doseEventIds');
    if (dose.personId !== data.personId)
      throw new RuleViolation('DOSE_OF_ANOTHER_PERSON', `dose ${id} was given to another person`, 'doseEventIds');
    if (dose.voided) throw new RuleViolation('DOSE_ALREADY_VOIDED', `dose ${id} was entered in error`, 'doseEventIds');
    if (compareInstants(data.onsetAt, dose.administeredAt) < 0)
      throw new RuleViolation('ONSET_BEFORE_DOSE', `onsetAt ${data.onsetAt} is before dose ${id} (${dose.administeredAt})`, 'onsetAt');
    doses.push({
      doseEventId: dose.doseEventId,
      batchId: dose.batchId,
      productCode: dose.productCode,
      siteCode: dose.siteCode,
      province: dose.province,
      administeredAt: dose.administeredAt,
    });
  }
  const serious = data.serious || (data.seriousCriteria?.length ?? 0) > 0 || data.outcome === 'died';
  const urgent = isUrgent({ serious, cluster: data.cluster, majorPublicImpact: data.majorPublicImpact, outcome: data.outcome });
  const routeTo = [...new Set(doses.map((d) => d.province))].filter((p) => p !== context.nodeProvince).sort();
  return [
    adverseEventReported({
      reportId: data.reportId,
      personId: data.personId,
      doseEventIds: doses.map((d) => d.doseEventId),
      doses,
      reporterSite: context.actor.siteCode ?? context.actor.orgCode,
      discoveredAt: data.discoveredAt,
      onsetAt: data.onsetAt,
      signs: [...new Set(data.signs)],
      serious,
      seriousCriteria: data.seriousCriteria ? [...new Set(data.seriousCriteria)] : undefined,
      cluster: data.cluster,
      majorPublicImpact: data.majorPublicImpact,
      outcome: data.outcome,
      urgent,
      deadlineAt: reportingDeadline(data.discoveredAt, urgent),
      routeTo,
      narrativeInVault: data.narrativeInVault,
    }),
  ];
};

const knownReport = (command: AcknowledgeAefi | ClassifyAefi): { reportProvince: string; routeTo: string[] } => {
  const { report } = command.context;
  if (!report || report.reportId !== command.data.reportId)
    throw new RuleViolation('UNKNOWN_AEFI_REPORT', `no AEFI report ${command.data.reportId}`, 'reportId');
  const routeTo = [...new Set([report.reportProvince, ...report.provinces])].filter((p) => p !== command.context.nodeProvince).sort();
  return { reportProvince: report.reportProvince, routeTo };
};

const decide = (command: AefiCommand, state: AefiState): AefiEvent[] => {
  switch (command.type) {
    case 'ReportAefi':
      return report(command, state);
    case 'AcknowledgeAefi': {
      const { reportProvince, routeTo } = knownReport(command);
      if (state.acknowledged) return []; // a second acknowledgement changes nothing
      return [
        aefiAcknowledged({
          reportId: command.data.reportId,
          reportProvince,
          acknowledgedAt: command.context.now,
          cdcOrgCode: command.context.actor.orgCode,
          routeTo,
        }),
      ];
    }
    case 'ClassifyAefi': {
      const { reportProvince, routeTo } = knownReport(command);
      if (state.aefiClass === command.data.aefiClass) return [];
      // A later class replaces an earlier one (investigation results arrive over weeks).
      return [
        aefiClassified({
          reportId: command.data.reportId,
          reportProvince,
          aefiClass: command.data.aefiClass,
          classifiedAt: command.context.now,
          routeTo,
        }),
      ];
    }
    default:
      return unreachable(command);
  }
};

const evolve = (state: AefiState, event: AefiEvent): AefiState => {
  switch (event.type) {
    case 'AdverseEventReported':
      return { ...state, reported: true };
    case 'AefiAcknowledged':
      return { ...state, acknowledged: true };
    case 'AefiClassified':
      return { ...state, aefiClass: event.data.aefiClass };
    default:
      return unreachable(event);
  }
};

export const aefiDecider: Decider<AefiCommand, AefiEvent, AefiState> = { decide, evolve, initialState };
