import { capabilityStatementOf, type DoseFacts, immunizationOf, patientOf, searchsetOf } from './fhir-resources';
import { bodySiteConcept, CVX_SYSTEM, NMPA_PRODUCT_SYSTEM, PSEUDONYM_SYSTEM, ROUTE_SYSTEM, routeCoding } from './vaccine-codes';

/** A parsed JSON value, walked by tests (shape checked by the assertions themselves). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON walked in assertions only
type Json = any;

const dose = (over: Partial<DoseFacts> = {}): DoseFacts => ({
  eventId: '7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11',
  personId: 'p1tz62ri4byn76xi7ekedhqwttwe',
  siteCode: '12440300MB1B2345QN',
  administeredAt: '2026-11-20T10:15:00+08:00',
  batchId: '8696321-202611A017',
  productCode: '8696321',
  vaccineType: 'HepB',
  doseNumber: 2,
  status: 'valid',
  originProvince: '440000',
  route: 'SC',
  bodySite: 'left deltoid',
  ...over,
});

const context = {
  product: { name: 'Hepatitis B vaccine (recombinant) 10 µg' },
  batch: { lotNumber: '202611A017', expiresOn: '2028-10-31', mahOrgCode: '91320000MA1X0Y2W3E' },
  site: { orgCode: '12440300MB1B2345QN', name: 'Clinic' },
  maker: { orgCode: '91320000MA1X0Y2W3E', name: 'Maker' },
};

describe('FHIR Immunization of a dose', () => {
  const resource = immunizationOf(dose(), context) as Json;

  it('codes subcutaneous as SQ in HL7 v3 RouteOfAdministration, never SC', () => {
    expect(resource.route.coding).toEqual([{ system: ROUTE_SYSTEM, code: 'SQ', display: 'Injection, subcutaneous' }]);
    expect(JSON.stringify(resource)).not.toContain('"SC"');
  });

  it('maps every route of ours to a v3 code', () => {
    expect(['IM', 'SC', 'ID', 'PO', 'IN'].map((r) => routeCoding(r)?.code)).toEqual(['IM', 'SQ', 'IDINJ', 'PO', 'NASINHLC']);
    expect(routeCoding('XX')).toBeUndefined();
  });

  it('names the product in our code system, then CVX and ATC', () => {
    const codings = resource.vaccineCode.coding as { system: string; code: string }[];
    expect(codings[0]).toMatchObject({ system: NMPA_PRODUCT_SYSTEM, code: '8696321' });
    expect(codings.find((c) => c.system === CVX_SYSTEM)?.code).toBe('45');
    expect(codings.map((c) => c.system)).toContain('http://www.whocc.no/atc');
  });

  it('carries lot, expiry, performer organisation, dose number and series size', () => {
    expect(resource).toMatchObject({
      id: dose().eventId,
      status: 'completed',
      patient: { reference: 'Patient/p1tz62ri4byn76xi7ekedhqwttwe' },
      occurrenceDateTime: '2026-11-20T10:15:00+08:00',
      lotNumber: '202611A017',
      expirationDate: '2028-10-31',
      protocolApplied: [{ doseNumberPositiveInt: 2, seriesDosesPositiveInt: 3 }],
    });
    expect(resource.performer[0].actor.identifier.value).toBe('12440300MB1B2345QN');
    expect(resource.manufacturer.display).toBe('Maker');
  });

  it('marks a voided dose entered-in-error', () => {
    expect(immunizationOf(dose({ status: 'voided' }), context).status).toBe('entered-in-error');
  });

  it('leaves out a route it does not know rather than inventing one', () => {
    const { route, ...rest } = dose();
    expect(route).toBe('SC');
    expect(immunizationOf(rest, context)).not.toHaveProperty('route');
  });

  it('codes known body sites and keeps the text of others', () => {
    expect(bodySiteConcept('left deltoid').coding?.[0]?.code).toBe('LD');
    expect(bodySiteConcept('RT').coding?.[0]?.code).toBe('RT');
    expect(bodySiteConcept('upper arm, near elbow')).toEqual({ text: 'upper arm, near elbow' });
  });
});

describe('FHIR Patient', () => {
  it('is pseudonymous unless details are given: no name, gender or birth date', () => {
    const patient = patientOf('p1tz62ri4byn76xi7ekedhqwttwe', null);
    expect(patient).toMatchObject({ identifier: [{ system: PSEUDONYM_SYSTEM, value: 'p1tz62ri4byn76xi7ekedhqwttwe' }] });
    expect(patient).not.toHaveProperty('name');
    expect(patient).not.toHaveProperty('birthDate');
  });

  it('adds the vault’s details when the controller passes them', () => {
    const patient = patientOf('p1tz62ri4byn76xi7ekedhqwttwe', { name: '张三', birthDate: '1990-03-07', sex: 'M' });
    expect(patient).toMatchObject({ name: [{ text: '张三' }], gender: 'male', birthDate: '1990-03-07' });
  });
});

describe('FHIR Bundle and CapabilityStatement', () => {
  it('lists each resource with an absolute fullUrl', () => {
    const bundle = searchsetOf('http://h/fhir', 'http://h/fhir/Immunization?patient=x', [immunizationOf(dose(), context)]) as Json;
    expect(bundle).toMatchObject({ type: 'searchset', total: 1 });
    expect(bundle.entry[0].fullUrl).toBe(`http://h/fhir/Immunization/${dose().eventId}`);
  });

  it('declares R4 and the interactions served', () => {
    const cs = capabilityStatementOf('http://h/fhir', '2026-12-06', '0.1.0') as Json;
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.rest[0].resource.map((r: { type: string }) => r.type)).toEqual(['Patient', 'Immunization']);
  });
});
