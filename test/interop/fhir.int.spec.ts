import { AS, ORGS, actor, startApi, type ApiHarness } from '../support/api-harness';
import { FhirResourceFolder } from '../support/fhir-validator';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// FHIR R4 reads of a person's record over a real node (PostgreSQL log, read models, vault):
// same callers, same jurisdiction and the same audit trail as /v1/persons/{id}/record; every
// resource answered goes through HAPI FHIR's validator (the HL7 reference engine) at the end.

const LOT = 'FHIR2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();
const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
const OTHER_CLINIC = actor('clinic', '91350100M000100Y43', '350000');

describe('FHIR R4 reads of the person record', () => {
  let api: ApiHarness;
  let personId: string;
  const doseIds: string[] = [];
  const folder = new FhirResourceFolder('reads');

  const auditEvents = async (): Promise<number> => {
    const rows: { n: number }[] = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${(api.runtime.store as unknown as { schemaName: string }).schemaName}".events WHERE type = 'PersonRecordRead'`,
    );
    return rows[0]!.n;
  };

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT });
    const doses = [
      { doseNumber: 1, administeredAt: daysAgo(40), route: 'SC', bodySite: 'left deltoid' },
      { doseNumber: 2, administeredAt: daysAgo(5), route: 'IM', bodySite: 'RT' },
    ];
    for (const d of doses) {
      const res = await api.http
        .post('/v1/doses')
        .set(AS.clinic)
        .send({ person: PERSON, batchId: BATCH, vaccinatorRef: 'V-0042', ...d });
      if (res.status !== 201) throw new Error(`dose: ${res.status} ${JSON.stringify(res.body)}`);
      personId = String(res.body.id);
      // A first dose also registers the person: the dose is the last event appended.
      doseIds.push(String((res.body.eventIds as string[]).at(-1)));
    }
    // The second dose is voided: FHIR shows it as entered-in-error.
    await api.settle();
    const voided = await api.http.post(`/v1/doses/${doseIds[1]}/entered-in-error`).set(AS.clinic).send({ reasonCode: 'duplicate_entry' });
    if (voided.status !== 201) throw new Error(`void: ${voided.status} ${JSON.stringify(voided.body)}`);
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('serves a CapabilityStatement to anyone', async () => {
    const res = await api.http.get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    folder.save('capability-statement', res.body);
  });

  it('answers a searchset Bundle of every dose, with correct codings, and audits the read', async () => {
    const before = await auditEvents();
    const res = await api.http.get(`/fhir/Immunization?patient=Patient/${personId}`).set(AS.clinic);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    const byId = new Map((res.body.entry as { resource: { id: string } }[]).map((e) => [e.resource.id, e.resource]));
    const first = byId.get(doseIds[0]!)!;
    expect(first).toMatchObject({
      status: 'completed',
      lotNumber: LOT,
      expirationDate: '2028-08-31',
      route: { coding: [{ code: 'SQ' }] },
      site: { coding: [{ code: 'LD' }] },
      protocolApplied: [{ doseNumberPositiveInt: 1 }],
      performer: [{ actor: { identifier: { value: ORGS.clinic }, display: 'Clinic' } }],
    });
    expect(byId.get(doseIds[1]!)).toMatchObject({ status: 'entered-in-error', route: { coding: [{ code: 'IM' }] } });
    // Pseudonymous: nothing of the person but the pseudonym.
    const text = JSON.stringify(res.body);
    for (const secret of [PERSON.idNumber, PERSON.name, PERSON.birthDate]) expect(text).not.toContain(secret);
    expect(await auditEvents()).toBe(before + 1);
    folder.save('immunization-searchset', res.body);
  });

  it('reads one Immunization by its dose event id', async () => {
    const res = await api.http.get(`/fhir/Immunization/${doseIds[0]}`).set(AS.clinic);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resourceType: 'Immunization', id: doseIds[0], patient: { reference: `Patient/${personId}` } });
    folder.save('immunization', res.body);
  });

  it('reads the Patient pseudonymously, and with details only when asked', async () => {
    const plain = await api.http.get(`/fhir/Patient/${personId}`).set(AS.clinic);
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ resourceType: 'Patient', id: personId, identifier: [{ value: personId }] });
    expect(plain.body).not.toHaveProperty('name');
    expect(plain.body).not.toHaveProperty('birthDate');
    folder.save('patient-pseudonymous', plain.body);
    const detailed = await api.http.get(`/fhir/Patient/${personId}?details=true`).set(AS.clinic);
    expect(detailed.status).toBe(200);
    expect(detailed.body).toMatchObject({ name: [{ text: PERSON.name }], gender: 'male', birthDate: PERSON.birthDate });
    folder.save('patient-details', detailed.body);
  });

  it('keeps the /v1 rules: other roles are refused, a clinic without the person sees nothing, nothing is audited', async () => {
    const before = await auditEvents();
    expect((await api.http.get(`/fhir/Immunization?patient=${personId}`).set(AS.maker)).status).toBe(403);
    expect((await api.http.get(`/fhir/Patient/${personId}`).set(AS.regulator)).status).toBe(403);
    const stranger = await api.http.get(`/fhir/Immunization?patient=${personId}`).set(OTHER_CLINIC);
    expect(stranger.status).toBe(404);
    expect(stranger.headers['content-type']).toContain('application/problem+json');
    expect((await api.http.get(`/fhir/Immunization/${doseIds[0]}`).set(OTHER_CLINIC)).status).toBe(404);
    expect((await api.http.get(`/fhir/Patient/${personId}`)).status).toBe(401);
    expect(await auditEvents()).toBe(before);
  });

  it('refuses bad input with a stable code', async () => {
    const cases = [
      '/fhir/Immunization',
      '/fhir/Immunization?patient=Patient/not-a-pseudonym',
      `/fhir/Immunization?patient=${personId}&name=x`,
      '/fhir/Immunization/12345',
      `/fhir/Patient/${personId}?details=maybe`,
      `/fhir/Patient/${personId}?_format=xml`,
    ];
    for (const path of cases) {
      const res = await api.http.get(path).set(AS.clinic);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  // Last in the file: it checks what the tests above wrote.
  it('every resource answered validates with 0 errors in HAPI FHIR 8.8.0', () => {
    expect(folder.size).toBeGreaterThanOrEqual(5);
    const result = folder.validate();
    expect({ errors: result.errors, output: result.errors === 0 ? '' : result.output }).toEqual({ errors: 0, output: '' });
    expect(result.status).toBe(0);
  }, 900_000);
});
