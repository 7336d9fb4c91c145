import { deciderSpec } from '../testing/decider-spec';
import { actor, CLINIC, NOW, PROVINCIAL_CDC } from '../testing/fixtures';
import { isOverdue, reportingDeadline } from './aefi.clocks';
import { aefiDecider, type AefiDoseFacts, type ReportAefi, type ReportAefiData } from './aefi.decider';
import { adverseEventReported, aefiAcknowledged, aefiClassified, type AdverseEventReported } from './aefi.events';

const PERSON = 'p1tz62ri4byn76xi7ekedhqwttwe';
const OTHER_PERSON = 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa';
const DOSE = '6f1c2a52-8d0e-4a61-9f5c-1d2a3b4c5d6e';
const DOSE_ELSEWHERE = '0b8e9c1d-2f3a-4b5c-8d6e-7f8091a2b3c4';
const REPORT = '3c9d0e1f-2a3b-4c5d-8e6f-708192a3b4c5';
const HERE = '440000';
const THERE = '510000';

const dose = (overrides: Partial<AefiDoseFacts> = {}): AefiDoseFacts => ({
  doseEventId: DOSE,
  personId: PERSON,
  batchId: '8696321-202611A017',
  productCode: '8696321',
  siteCode: CLINIC,
  province: HERE,
  administeredAt: '2026-11-19T09:00:00+08:00',
  voided: false,
  ...overrides,
});

const data: ReportAefiData = {
  reportId: REPORT,
  personId: PERSON,
  doseEventIds: [DOSE],
  discoveredAt: '2026-11-20T08:00:00+08:00',
  onsetAt: '2026-11-19T20:00:00+08:00',
  signs: ['fever_38_5'],
  serious: false,
  cluster: false,
  majorPublicImpact: false,
  outcome: 'recovering',
  narrativeInVault: true,
};

const reportAefi = (overrides: Partial<ReportAefiData> = {}, doses: AefiDoseFacts[] = [dose()]): ReportAefi => ({
  type: 'ReportAefi',
  data: { ...data, ...overrides },
  context: {
    now: NOW,
    actor: actor('clinic', CLINIC),
    nodeProvince: HERE,
    doses: Object.fromEntries(doses.map((d) => [d.doseEventId, d])),
  },
});

const reported = (overrides: Partial<AdverseEventReported['data']> = {}): AdverseEventReported =>
  adverseEventReported({
    reportId: REPORT,
    personId: PERSON,
    doseEventIds: [DOSE],
    doses: [
      {
        doseEventId: DOSE,
        batchId: '8696321-202611A017',
        productCode: '8696321',
        siteCode: CLINIC,
        province: HERE,
        administeredAt: '2026-11-19T09:00:00+08:00',
      },
    ],
    reporterSite: CLINIC,
    discoveredAt: data.discoveredAt,
    onsetAt: data.onsetAt,
    signs: ['fever_38_5'],
    serious: false,
    cluster: false,
    majorPublicImpact: false,
    outcome: 'recovering',
    urgent: false,
    deadlineAt: '2026-11-22T00:00:00.000Z',
    routeTo: [],
    narrativeInVault: true,
    ...overrides,
  });

describe('an AEFI report, when nothing is on file', () => {
  const given = deciderSpec(aefiDecider)([]);

  it('records the report with a 48-hour deadline from discovery', () => given.when(reportAefi()).then([reported()]));

  it('gives a serious report a 2-hour deadline', () =>
    given
      .when(reportAefi({ serious: true, seriousCriteria: ['hospitalisation'] }))
      .then([reported({ serious: true, seriousCriteria: ['hospitalisation'], urgent: true, deadlineAt: '2026-11-20T02:00:00.000Z' })]));

  it('treats a death as serious and urgent even when not ticked', () =>
    given
      .when(reportAefi({ outcome: 'died' }))
      .then([reported({ outcome: 'died', serious: true, urgent: true, deadlineAt: '2026-11-20T02:00:00.000Z' })]));

  it('starts the 2-hour clock for a cluster that is not serious', () =>
    given.when(reportAefi({ cluster: true })).then([reported({ cluster: true, urgent: true, deadlineAt: '2026-11-20T02:00:00.000Z' })]));

  it('routes a report about a dose given in another province there', () => {
    const elsewhere = dose({ doseEventId: DOSE_ELSEWHERE, province: THERE, siteCode: '12510104MB0000007X' });
    const events = aefiDecider.decide(reportAefi({ doseEventIds: [DOSE_ELSEWHERE] }, [elsewhere]), aefiDecider.initialState());
    expect(events[0]!.type === 'AdverseEventReported' && events[0]!.data.routeTo).toEqual([THERE]);
  });

  it('refuses a dose this node does not know', () =>
    given.when(reportAefi({ doseEventIds: [DOSE_ELSEWHERE] })).thenRefuses('UNKNOWN_DOSE'));

  it('refuses a report that names no dose', () => given.when(reportAefi({ doseEventIds: [] })).thenRefuses('UNKNOWN_DOSE'));

  it('refuses a dose of another person', () =>
    given.when(reportAefi({}, [dose({ personId: OTHER_PERSON })])).thenRefuses('DOSE_OF_ANOTHER_PERSON', 'doseEventIds'));

  it('refuses a dose entered in error', () => given.when(reportAefi({}, [dose({ voided: true })])).thenRefuses('DOSE_ALREADY_VOIDED'));

  it('refuses an onset before the dose', () =>
    given.when(reportAefi({ onsetAt: '2026-11-19T08:59:00+08:00' })).thenRefuses('ONSET_BEFORE_DOSE', 'onsetAt'));

  it('refuses an onset after discovery', () =>
    given.when(reportAefi({ onsetAt: '2026-11-20T08:01:00+08:00' })).thenRefuses('ONSET_AFTER_DISCOVERY', 'onsetAt'));

  it('refuses a discovery in the future (beyond clock skew)', () =>
    given.when(reportAefi({ discoveredAt: '2026-11-20T12:06:00+08:00' })).thenRefuses('TIME_IN_FUTURE', 'discoveredAt'));

  it('refuses a malformed onset', () => given.when(reportAefi({ onsetAt: 'yesterday' })).thenRefuses('INVALID_DATE', 'onsetAt'));
});

describe('an AEFI report, when it was already reported', () => {
  const given = deciderSpec(aefiDecider)([reported()]);
  it('refuses the same report id again', () => given.when(reportAefi()).thenRefuses('AEFI_REPORT_EXISTS'));
});

describe('a CDC case file on a report from another province', () => {
  const known = { reportId: REPORT, reportProvince: HERE, provinces: [HERE, THERE] };
  const ctx = { now: NOW, actor: actor('cdc', PROVINCIAL_CDC), nodeProvince: THERE, report: known };
  const acknowledged = aefiAcknowledged({
    reportId: REPORT,
    reportProvince: HERE,
    acknowledgedAt: NOW,
    cdcOrgCode: PROVINCIAL_CDC,
    routeTo: [HERE],
  });
  const classified = aefiClassified({
    reportId: REPORT,
    reportProvince: HERE,
    aefiClass: 'rare_reaction',
    classifiedAt: NOW,
    routeTo: [HERE],
  });
  const givenNothing = deciderSpec(aefiDecider)([]);
  const givenAcknowledged = deciderSpec(aefiDecider)([acknowledged]);
  const givenClassified = deciderSpec(aefiDecider)([classified]);

  it('acknowledges once, routed back to the reporter', () =>
    givenNothing.when({ type: 'AcknowledgeAefi', data: { reportId: REPORT }, context: ctx }).then([acknowledged]));

  it('ignores a second acknowledgement', () =>
    givenAcknowledged.when({ type: 'AcknowledgeAefi', data: { reportId: REPORT }, context: ctx }).then([]));

  it('classifies', () =>
    givenNothing.when({ type: 'ClassifyAefi', data: { reportId: REPORT, aefiClass: 'rare_reaction' }, context: ctx }).then([classified]));

  it('ignores the same class again', () =>
    givenClassified.when({ type: 'ClassifyAefi', data: { reportId: REPORT, aefiClass: 'rare_reaction' }, context: ctx }).then([]));

  it('refuses an unknown report', () =>
    givenNothing
      .when({ type: 'AcknowledgeAefi', data: { reportId: REPORT }, context: { ...ctx, report: null } })
      .thenRefuses('UNKNOWN_AEFI_REPORT'));
});

describe('reporting clocks', () => {
  it('counts 48 h and 2 h from discovery, whatever the offset', () => {
    expect(reportingDeadline('2026-11-20T08:00:00+08:00', false)).toBe('2026-11-22T00:00:00.000Z');
    expect(reportingDeadline('2026-11-20T00:00:00Z', true)).toBe('2026-11-20T02:00:00.000Z');
  });

  it('is overdue only after the deadline and only without acknowledgement', () => {
    const deadline = '2026-11-20T02:00:00.000Z';
    expect(isOverdue(deadline, false, '2026-11-20T10:00:00+08:00')).toBe(false); // exactly at the deadline
    expect(isOverdue(deadline, false, '2026-11-20T10:00:01+08:00')).toBe(true);
    expect(isOverdue(deadline, true, '2026-11-21T10:00:00+08:00')).toBe(false);
  });
});
