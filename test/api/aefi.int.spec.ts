import { AS, ORGS, type ApiHarness, startApi } from '../support/api-harness';
import { stockClinic } from '../support/scenario';

// AEFI on one node over real PostgreSQL: a clinic reports, the CDC takes the card; clocks run
// on an injected clock; refusals and hostile bodies append nothing; erasure removes the narrative.

const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
const OTHER = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '李四', birthDate: '2021-01-15', sex: 'F' };
const NARRATIVE = '接种后 6 小时高热 39.5°C，伴抽搐一次';
const PHONE = '13912345678';
const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();

describe('AEFI reports over the HTTP API', () => {
  let api: ApiHarness;
  let clockMs = Date.now();
  const clock = (): string => new Date(clockMs).toISOString();
  let batchId = '';
  let doseId = '';
  let otherDoseId = '';
  let personId = '';

  beforeAll(async () => {
    api = await startApi({}, { clock });
    ({ batchId } = await stockClinic(api, { lot: 'AEFI1', quantity: 4 }));
    const dose = async (person: object): Promise<{ id: string; eventIds: string[] }> => {
      const res = await api.http
        .post('/v1/doses')
        .set(AS.clinic)
        .send({
          person,
          batchId,
          doseNumber: 1,
          administeredAt: hoursAgo(30),
          route: 'IM',
          vaccinatorRef: 'V-1',
        });
      if (res.status !== 201) throw new Error(`dose: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { id: string; eventIds: string[] };
    };
    const mine = await dose(PERSON);
    personId = mine.id;
    doseId = mine.eventIds[mine.eventIds.length - 1]!;
    const theirs = await dose(OTHER);
    otherDoseId = theirs.eventIds[theirs.eventIds.length - 1]!;
    await api.settle();
  }, 120_000);
  afterAll(() => api?.close());

  const card = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    person: { idType: PERSON.idType, idNumber: PERSON.idNumber },
    doseEventIds: [doseId],
    discoveredAt: new Date(clockMs - 3_600_000).toISOString(),
    onsetAt: hoursAgo(24),
    signs: ['fever_39', 'seizure_febrile'],
    serious: true,
    seriousCriteria: ['hospitalisation'],
    cluster: false,
    outcome: 'recovering',
    narrative: NARRATIVE,
    contact: { name: '张妈妈', phone: PHONE, relationship: 'mother' },
    ...overrides,
  });

  const expectRefusal = async (body: unknown, status: number, code: string): Promise<void> => {
    const before = await api.logSize();
    const res = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
    expect({ status: res.status, code: (res.body as { code?: string }).code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await api.logSize()).toBe(before);
  };

  it('refuses hostile and malformed bodies with 400, appending nothing', async () => {
    await expectRefusal({ ...card(), extra: 1 }, 400, 'VALIDATION_FAILED');
    // Keys written as JSON text: an object literal would set the prototype instead.
    const polluted = JSON.stringify(card()).replace(/^\{/, '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}},');
    await expectRefusal(polluted, 400, 'VALIDATION_FAILED');
    await expectRefusal('{"person":', 400, 'MALFORMED_JSON');
    await expectRefusal(card({ doseEventIds: ["1' OR '1'='1"] }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ doseEventIds: [] }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ doseEventIds: [doseId, doseId] }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ discoveredAt: 'yesterday' }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ signs: ['<script>alert(1)</script>'] }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ serious: 'yes' }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ outcome: 'fine' }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ narrative: { $gt: '' } }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ seriousCriteria: ['bad'] }), 400, 'VALIDATION_FAILED');
    await expectRefusal(card({ person: { idType: 'RESIDENT_ID', idNumber: '510104199003071230' } }), 400, 'INVALID_PERSON_ID');
    await expectRefusal(card({ doseEventIds: Array.from({ length: 5000 }, () => doseId) }), 400, 'VALIDATION_FAILED');
    await expectRefusal([card()], 400, 'VALIDATION_FAILED');
  });

  it('refuses an unknown dose, a dose of another person, an onset before the dose and a discovery in the future', async () => {
    await expectRefusal(card({ doseEventIds: ['7d8a4a0e-1b2c-4d3e-8f40-5a6b7c8d9e0f'] }), 404, 'UNKNOWN_DOSE');
    await expectRefusal(card({ doseEventIds: [otherDoseId] }), 422, 'DOSE_OF_ANOTHER_PERSON');
    await expectRefusal(card({ onsetAt: hoursAgo(31) }), 422, 'ONSET_BEFORE_DOSE');
    await expectRefusal(card({ discoveredAt: new Date(clockMs + 3_600_000).toISOString() }), 422, 'TIME_IN_FUTURE');
    // Nothing reached the vault either.
    await expect(api.runtime.vault.readAefiNarrative(personId, 'x')).resolves.toBeNull();
  });

  let reportId = '';

  it('takes a serious report with a 2-hour deadline from discovery, keeping the narrative out of the log', async () => {
    const discoveredAt = new Date(clockMs - 3_600_000).toISOString();
    const res = await api.http.post('/v1/aefi').set(AS.clinic).send(card({ discoveredAt }));
    expect(res.status).toBe(201);
    reportId = (res.body as { id: string }).id;
    expect(res.body).toMatchObject({ streamId: `aefi-510000-${reportId}`, eventIds: [expect.any(String)] });
    await api.settle();
    const reads = async (): Promise<number> =>
      (await api.runtime.store.readAll({ after: 0n, limit: 100_000 })).filter(
        (e) => e.type === 'PersonRecordRead' && (e.data as { personId?: string }).personId === personId,
      ).length;
    const readsBefore = await reads();
    const view = await api.http.get(`/v1/aefi/${reportId}`).set(AS.cdc);
    // It names a person with a health event: audited like the FHIR AdverseEvent read of it.
    expect(await reads()).toBe(readsBefore + 1);
    expect(view.body).toMatchObject({
      reportId,
      personId,
      serious: true,
      urgent: true,
      deadlineAt: new Date(Date.parse(discoveredAt) + 2 * 3_600_000).toISOString(),
      doses: [{ doseEventId: doseId, batchId, siteCode: ORGS.clinic, province: '510000' }],
      acknowledgedAt: null,
      overdue: false,
      acknowledgedLate: false,
      narrativeInVault: true,
    });
    // The narrative and the phone number are in the vault, encrypted; not in any event.
    await expect(api.runtime.vault.readAefiNarrative(personId, reportId)).resolves.toMatchObject({ narrative: NARRATIVE });
    const stream = await api.runtime.store.readStream(`aefi-510000-${reportId}`);
    const text = JSON.stringify(stream, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('高热');
    expect(text).not.toContain(PERSON.idNumber);
  });

  it('shows the report in the person record and in the CDC’s queue', async () => {
    const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
    expect(record.status).toBe(200);
    expect(record.body.aefi).toEqual([
      expect.objectContaining({ reportId, doseEventIds: [doseId], serious: true, outcome: 'recovering', aefiClass: null }),
    ]);
    const queue = await api.http.get('/v1/aefi').set(AS.cdc);
    expect(queue.body).toMatchObject({ page: 1, pageSize: 20, total: 1, overdue: 0 });
    expect((queue.body.items as { reportId: string }[]).map((r) => r.reportId)).toEqual([reportId]);
  });

  it('is overdue once 2 hours pass without acknowledgement (injected clock), and /metrics counts it', async () => {
    const overdueIds = async (): Promise<string[]> =>
      ((await api.http.get('/v1/aefi/overdue').set(AS.cdc)).body.items as { reportId: string }[]).map((r) => r.reportId);
    const metric = async (): Promise<string | undefined> =>
      /vaxledger_aefi_overdue_reports\{clock="urgent"\} (\d+)/.exec((await api.http.get('/metrics')).text)?.[1];
    clockMs += 59 * 60_000; // 1 h 59 min after discovery
    expect(await overdueIds()).toEqual([]);
    expect(await metric()).toBe('0');
    clockMs += 2 * 60_000; // 2 h 01 min after discovery
    expect(await overdueIds()).toEqual([reportId]);
    expect(await metric()).toBe('1');
    // Another province's CDC does not see Sichuan's overdue report.
    const elsewhere = await api.http.get('/v1/aefi/overdue').set({ 'X-Dev-Actor': 'cdc:12440000MB0D00028M:440000' });
    expect(elsewhere.body).toMatchObject({ items: [], total: 0 });
  });

  it('stops the clock when the CDC acknowledges (once), and takes a class', async () => {
    const ack = await api.http.post(`/v1/aefi/${reportId}/acknowledgement`).set(AS.cdc).send({});
    expect(ack.status).toBe(201);
    const again = await api.http.post(`/v1/aefi/${reportId}/acknowledgement`).set(AS.cdc).send({});
    expect(again.body.eventIds).toEqual([]);
    const classified = await api.http.post(`/v1/aefi/${reportId}/classification`).set(AS.regulator).send({ aefiClass: 'rare_reaction' });
    expect(classified.status).toBe(201);
    await api.settle();
    expect((await api.http.get('/v1/aefi/overdue').set(AS.cdc)).body).toMatchObject({ items: [], total: 0 });
    expect((await api.http.get('/metrics')).text).toMatch(/vaxledger_aefi_overdue_reports\{clock="urgent"\} 0/);
    // Taken a minute after its 2-hour deadline: no longer overdue, but the lateness stays visible.
    const taken = await api.http.get(`/v1/aefi/${reportId}`).set(AS.cdc);
    expect(taken.body).toMatchObject({ overdue: false, acknowledgedLate: true, aefiClass: 'rare_reaction' });
    const bad = await api.http.post(`/v1/aefi/${reportId}/classification`).set(AS.regulator).send({ aefiClass: 'bad_luck' });
    expect(bad.status).toBe(400);
    const unknown = await api.http
      .post(`/v1/aefi/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/acknowledgement`)
      .set(AS.cdc)
      .send({});
    expect(unknown.body.code).toBe('UNKNOWN_AEFI_REPORT');
  });

  it('gives the batch view by seriousness and class with the rate per 100,000 doses', async () => {
    const res = await api.http.get(`/v1/batches/${batchId}/aefi`).set(AS.regulator);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      batchId,
      reports: 1,
      persons: 1,
      bySeriousness: { serious: 1, nonSerious: 0 },
      byClass: { rare_reaction: 1 },
      doses: 2,
      ratePer100k: 50_000,
      signals: [],
    });
    expect(JSON.stringify(res.body)).not.toContain(personId);
  });

  it('answers a retried report (same Idempotency-Key) with the first answer, appending once', async () => {
    const body = card({
      serious: false,
      seriousCriteria: [],
      outcome: 'recovered',
      discoveredAt: new Date(clockMs - 60_000).toISOString(),
    });
    const before = await api.logSize();
    const first = await api.http.post('/v1/aefi').set(AS.clinic).set('Idempotency-Key', 'aefi-retry-1').send(body);
    const again = await api.http.post('/v1/aefi').set(AS.clinic).set('Idempotency-Key', 'aefi-retry-1').send(body);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    expect(await api.logSize()).toBe(before + 1);
    const other = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .set('Idempotency-Key', 'aefi-retry-1')
      .send({ ...body, cluster: true });
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('says so when a report sent as not serious is recorded as serious because of its criteria or a death', async () => {
    const discoveredAt = new Date(clockMs - 60_000).toISOString();
    const body = card({ serious: false, seriousCriteria: ['hospitalisation'], discoveredAt });
    const first = await api.http.post('/v1/aefi').set(AS.clinic).set('Idempotency-Key', 'aefi-criteria-1').send(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      serious: true,
      seriousFromCriteria: true,
      urgent: true,
      deadlineAt: new Date(Date.parse(discoveredAt) + 2 * 3_600_000).toISOString(),
    });
    // A retry answers the same, flag included.
    const again = await api.http.post('/v1/aefi').set(AS.clinic).set('Idempotency-Key', 'aefi-criteria-1').send(body);
    expect([again.status, again.body]).toEqual([200, first.body]);
    const died = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .send(card({ serious: false, seriousCriteria: [], outcome: 'died', discoveredAt }));
    expect(died.body).toMatchObject({ serious: true, seriousFromCriteria: true, urgent: true });
    // Sent as serious, or not serious without criteria: nothing to point out.
    const sentSerious = await api.http.post('/v1/aefi').set(AS.clinic).send(card({ discoveredAt }));
    expect(sentSerious.body).toMatchObject({ serious: true, seriousFromCriteria: false, urgent: true });
    const mild = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .send(card({ serious: false, seriousCriteria: [], outcome: 'recovered', discoveredAt }));
    expect(mild.body).toMatchObject({ serious: false, seriousFromCriteria: false, urgent: false });
    expect(mild.body.deadlineAt).toBe(new Date(Date.parse(discoveredAt) + 48 * 3_600_000).toISOString());
    await api.settle();
    expect((await api.http.get(`/v1/aefi/${String(first.body.id)}`).set(AS.cdc)).body).toMatchObject({ serious: true, urgent: true });
  });

  it('erases the narrative with the person’s details (crypto-shredding)', async () => {
    const res = await api.http.delete(`/v1/persons/${personId}/details`).set(AS.cdc).send({ legalBasis: 'court_order' });
    expect(res.status).toBe(201);
    await expect(api.runtime.vault.readAefiNarrative(personId, reportId)).resolves.toBeNull();
    const rows = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${api.schemas.vaultSchema}".aefi_narratives WHERE person_id = $1`,
      [personId],
    );
    expect(rows).toEqual([{ n: 0 }]);
    // The report itself stays, pseudonymous.
    expect((await api.http.get(`/v1/aefi/${reportId}`).set(AS.cdc)).status).toBe(200);
    // A later report about the erased person is taken, but its narrative is not kept.
    const later = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .send(card({ discoveredAt: new Date(clockMs - 60_000).toISOString() }));
    expect(later.status).toBe(201);
    await api.settle();
    expect((await api.http.get(`/v1/aefi/${String(later.body.id)}`).set(AS.cdc)).body.narrativeInVault).toBe(false);
    await expect(api.runtime.vault.readAefiNarrative(personId, String(later.body.id))).resolves.toBeNull();
  });
});
