import { type Actor, aefiStream, DEFAULT_SIGNAL_THRESHOLDS, signalStream } from '@vaxledger/domain';
import type { AefiNarrative } from '@vaxledger/privacy';
import type { AefiDoseRow, AefiReportRow, ReadModels } from '@vaxledger/projections';
import { type AccessDecision, allowAll } from '../kernel/access';
import { uuidV5 } from '../kernel/uuid-v5';
import { pseudonymFor } from '../persons/pseudonym';
import { handlerSpec, NOW, PROVINCE } from '../testing/handler-spec';
import { AcknowledgeAefiHandler } from './acknowledge-aefi.handler';
import { ClassifyAefiHandler } from './classify-aefi.handler';
import { RaiseAefiSignalHandler } from './raise-aefi-signal.handler';
import { type ReportAefiCommand, ReportAefiHandler } from './report-aefi.handler';

const SECRET = 'vaxledger-test-pepper-do-not-use';
const DOC = { idType: 'RESIDENT_ID', idNumber: '440305202101154566' } as const;
const PERSON = pseudonymFor(SECRET, DOC);
const CLINIC = '12440300MB1B2345QN';
const DOSE = '6f1c2a52-8d0e-4a61-9f5c-1d2a3b4c5d6e';
const clinic: Actor = { orgCode: CLINIC, role: 'clinic', provinceCode: PROVINCE };
const doseRow = (overrides: Partial<AefiDoseRow> = {}): AefiDoseRow => ({
  eventId: DOSE,
  personId: PERSON,
  siteCode: CLINIC,
  batchId: '8696321-L1',
  productCode: '8696321',
  administeredAt: '2026-11-19T09:00:00+08:00',
  originProvince: PROVINCE,
  status: 'valid',
  ...overrides,
});
const card: ReportAefiCommand = {
  person: DOC,
  doseEventIds: [DOSE.toUpperCase()],
  discoveredAt: '2026-11-20T08:00:00+08:00',
  onsetAt: '2026-11-19T20:00:00+08:00',
  signs: ['fever_38_5'],
  serious: false,
  cluster: false,
  outcome: 'recovering',
  narrative: '发热',
};

/** The AEFI read-model queries the handlers ask, over the test's own rows. */
const reads = (doses: AefiDoseRow[], report: Partial<AefiReportRow> | null = null, counts = { doses: new Map(), reports: new Map() }) =>
  ({
    aefi: {
      doses: (ids: readonly string[]) => Promise.resolve(doses.filter((d) => ids.includes(d.eventId))),
      report: () => Promise.resolve(report as AefiReportRow | null),
      dosesByBatch: () => Promise.resolve(counts.doses),
      reportsByBatch: () => Promise.resolve(counts.reports),
    },
  }) as unknown as Pick<ReadModels, 'aefi'>;

const reportHandler = (spec: ReturnType<typeof handlerSpec>, doses: AefiDoseRow[], vault: Map<string, AefiNarrative>) =>
  new ReportAefiHandler({
    executor: spec.executor,
    reads: reads(doses),
    vault: { storeAefiNarrative: (_p, reportId, n) => Promise.resolve(vault.set(reportId, n).size > 0) },
    provinceCode: PROVINCE,
    pseudonymSecret: SECRET,
    signals: new RaiseAefiSignalHandler({
      executor: spec.executor,
      reads: reads(doses),
      provinceCode: PROVINCE,
      thresholds: DEFAULT_SIGNAL_THRESHOLDS,
      clock: spec.clock,
    }),
    clock: spec.clock,
  });

describe('ReportAefi handler', () => {
  it('given the person’s dose, appends the report to this province’s aefi stream and keeps the narrative in the vault', async () => {
    const spec = handlerSpec();
    const vault = new Map<string, AefiNarrative>();
    const answer = await spec.when(() =>
      reportHandler(spec, [doseRow()], vault).handle(card, clinic, { correlationId: 'c', idempotencyKey: 'k' }),
    );
    const reportId = uuidV5(`${CLINIC}|k|aefi`);
    await spec.then([
      {
        streamId: aefiStream(PROVINCE, reportId),
        type: 'AdverseEventReported',
        data: expect.objectContaining({ reportId, personId: PERSON, doseEventIds: [DOSE], narrativeInVault: true, routeTo: [] }),
      },
    ]);
    expect(answer?.id).toBe(reportId);
    expect(vault.get(reportId)).toEqual({ narrative: '发热' });
    expect(JSON.stringify(await spec.appended())).not.toContain('发热');
  });

  it('given a dose of another person, refuses (DOSE_OF_ANOTHER_PERSON) and keeps no narrative', async () => {
    const spec = handlerSpec();
    const vault = new Map<string, AefiNarrative>();
    await spec.when(() =>
      reportHandler(spec, [doseRow({ personId: 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa' })], vault).handle(card, clinic, { correlationId: 'c' }),
    );
    await spec.thenRefuses('DOSE_OF_ANOTHER_PERSON');
    expect(vault.size).toBe(0);
  });

  it('given no such dose here, refuses (UNKNOWN_DOSE)', async () => {
    const spec = handlerSpec();
    await spec.when(() => reportHandler(spec, [], new Map()).handle(card, clinic, { correlationId: 'c' }));
    await spec.thenRefuses('UNKNOWN_DOSE');
  });
});

describe('AcknowledgeAefi and ClassifyAefi handlers', () => {
  const REPORT = '3c9d0e1f-2a3b-4c5d-8e6f-708192a3b4c5';
  const known: Partial<AefiReportRow> = { reportId: REPORT, reported: true, reportProvince: '510000', provinces: ['510000', PROVINCE] };
  const cdc: Actor = { orgCode: '12440000MB0D00028M', role: 'cdc', provinceCode: PROVINCE };
  const deps = (spec: ReturnType<typeof handlerSpec>, decision: AccessDecision, report: Partial<AefiReportRow> | null = known) => ({
    executor: spec.executor,
    reads: reads([], report),
    access: { mayHandleAefi: () => Promise.resolve(decision) },
    provinceCode: PROVINCE,
    clock: spec.clock,
  });

  it('acknowledges in the CDC’s own aefi stream, routed back to the reporter', async () => {
    const spec = handlerSpec();
    await spec.when(() => new AcknowledgeAefiHandler(deps(spec, 'allow')).handle(REPORT, cdc, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: aefiStream(PROVINCE, REPORT),
        type: 'AefiAcknowledged',
        data: { reportId: REPORT, reportProvince: '510000', acknowledgedAt: NOW, cdcOrgCode: cdc.orgCode, routeTo: ['510000'] },
      },
    ]);
  });

  it('hides a report out of reach like an unknown one, and says a visible one is forbidden', async () => {
    const hidden = handlerSpec();
    await hidden.when(() => new AcknowledgeAefiHandler(deps(hidden, 'not_found')).handle(REPORT, cdc, { correlationId: 'c' }));
    await hidden.thenRefuses('UNKNOWN_AEFI_REPORT');
    const forbidden = handlerSpec();
    await forbidden.when(() =>
      new ClassifyAefiHandler(deps(forbidden, 'forbidden')).handle({ reportId: REPORT, aefiClass: 'coincidental' }, cdc, {
        correlationId: 'c',
      }),
    );
    await forbidden.thenRefuses('FORBIDDEN');
    const unknown = handlerSpec();
    await unknown.when(() =>
      new ClassifyAefiHandler(deps(unknown, 'allow', null)).handle({ reportId: REPORT, aefiClass: 'coincidental' }, cdc, {
        correlationId: 'c',
      }),
    );
    await unknown.thenRefuses('UNKNOWN_AEFI_REPORT');
  });

  it('uses allowAll in tests of rules only', () =>
    expect(allowAll.mayHandleAefi(cdc, known as AefiReportRow, 'classify')).resolves.toBe('allow'));
});

describe('RaiseAefiSignal handler', () => {
  it('raises one signal for an unlikely batch and nothing when evaluated again', async () => {
    const spec = handlerSpec();
    const counts = {
      doses: new Map([
        ['8696321-L1', 20],
        ['8696321-L2', 180],
      ]),
      reports: new Map([
        ['8696321-L1', 3],
        ['8696321-L2', 1],
      ]),
    };
    const handler = new RaiseAefiSignalHandler({
      executor: spec.executor,
      reads: reads([], null, counts),
      provinceCode: PROVINCE,
      thresholds: DEFAULT_SIGNAL_THRESHOLDS,
      clock: spec.clock,
    });
    const target = { batchId: '8696321-L1', productCode: '8696321' };
    await spec.when(() => handler.handle(target, { orgCode: 'node', role: 'hub', provinceCode: PROVINCE }, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: signalStream(PROVINCE, '8696321-L1'),
        type: 'AefiSignalRaised',
        data: expect.objectContaining({ reports: 3, doses: 20, baselineReports: 1, baselineDoses: 180, raisedAt: NOW }),
      },
    ]);
    const again = await handler.handle(target, { orgCode: 'node', role: 'hub', provinceCode: PROVINCE }, { correlationId: 'c' });
    expect(again.eventIds).toEqual([]);
    expect(await spec.appended()).toHaveLength(1);
  });
});
