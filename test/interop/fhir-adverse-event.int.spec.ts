import { AS, actor, startApi, type ApiHarness } from '../support/api-harness';
import { FhirResourceFolder } from '../support/fhir-validator';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// An AEFI report read as a FHIR R4 AdverseEvent, by the callers who may read the report, with
// the read in the audit trail; the resources go through HAPI FHIR's validator at the end.

const LOT = 'FHIRAE1';
const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();

describe('FHIR R4 AdverseEvent of an AEFI report', () => {
  let api: ApiHarness;
  let personId = '';
  let doseId = '';
  let reportId = '';
  const folder = new FhirResourceFolder('adverse-event');

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT });
    const dose = await api.http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({
        person: PERSON,
        batchId: `${HEPB_PRODUCT}-${LOT}`,
        doseNumber: 1,
        administeredAt: hoursAgo(30),
        route: 'IM',
        vaccinatorRef: 'V-1',
      });
    if (dose.status !== 201) throw new Error(`dose: ${dose.status} ${JSON.stringify(dose.body)}`);
    personId = String(dose.body.id);
    doseId = String((dose.body.eventIds as string[]).at(-1));
    await api.settle();
    const report = await api.http
      .post('/v1/aefi')
      .set(AS.clinic)
      .send({
        person: { idType: PERSON.idType, idNumber: PERSON.idNumber },
        doseEventIds: [doseId],
        discoveredAt: hoursAgo(2),
        onsetAt: hoursAgo(20),
        signs: ['fever_39', 'urticaria'],
        serious: true,
        seriousCriteria: ['hospitalisation'],
        cluster: false,
        outcome: 'recovered',
        narrative: '住院两天',
      });
    if (report.status !== 201) throw new Error(`report: ${report.status} ${JSON.stringify(report.body)}`);
    reportId = String(report.body.id);
    await api.settle();
    const classified = await api.http.post(`/v1/aefi/${reportId}/classification`).set(AS.regulator).send({ aefiClass: 'rare_reaction' });
    if (classified.status !== 201) throw new Error(`class: ${classified.status}`);
    await api.settle();
  }, 120_000);
  afterAll(() => api?.close());

  it('answers the report as an AdverseEvent, pseudonymous, without the narrative, and audits the read', async () => {
    const before = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${api.schemas.eventSchema}".events WHERE type = 'PersonRecordRead'`,
    );
    const res = await api.http.get(`/fhir/AdverseEvent/${reportId}`).set(AS.cdc);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.body).toMatchObject({
      resourceType: 'AdverseEvent',
      id: reportId,
      actuality: 'actual',
      subject: { reference: `Patient/${personId}` },
      seriousness: { coding: [{ code: 'Serious' }] },
      outcome: { coding: [{ code: 'resolved' }] },
      suspectEntity: [
        { instance: { reference: `Immunization/${doseId}` }, causality: [{ assessment: { coding: [{ code: 'rare_reaction' }] } }] },
      ],
    });
    expect(JSON.stringify(res.body)).not.toContain('住院');
    const after = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${api.schemas.eventSchema}".events WHERE type = 'PersonRecordRead'`,
    );
    expect(after[0].n).toBe(before[0].n + 1);
    folder.save('adverse-event', res.body);
    const capability = await api.http.get('/fhir/metadata');
    folder.save('capability-statement', capability.body);
  });

  it('hides the report from callers who may not read it, like an unknown one', async () => {
    const other = await api.http.get(`/fhir/AdverseEvent/${reportId}`).set(actor('cdc', '12440000MB0D00028M', '440000'));
    const unknown = await api.http.get('/fhir/AdverseEvent/00000000-0000-4000-8000-000000000000').set(AS.cdc);
    expect([other.status, unknown.status]).toEqual([404, 404]);
    expect((await api.http.get(`/fhir/AdverseEvent/${reportId}`).set(AS.maker)).status).toBe(403);
    expect((await api.http.get('/fhir/AdverseEvent/not-a-uuid').set(AS.cdc)).status).toBe(400);
  });

  it('every resource answered validates with 0 errors in HAPI FHIR', () => {
    expect(folder.size).toBe(2);
    const result = folder.validate();
    expect({ errors: result.errors, output: result.errors === 0 ? '' : result.output }).toEqual({ errors: 0, output: '' });
    expect(result.status).toBe(0);
  }, 900_000);
});
