import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { createCertificateKeys } from '../../apps/api/src/infrastructure/certificate-keys';
import addFormats from 'ajv-formats';
import { EXAMPLE_IDS, REQUEST_EXAMPLES } from '../../apps/api/src/http/openapi-examples';
import { actor, AS, startApi, type ApiHarness } from '../support/api-harness';

// The OpenAPI document against the node itself: every route the app serves is documented;
// every documented route is called for real, at least once successfully and once refused;
// every answer (status, content type, body) matches the document's schema for it; and every
// request example in the document is accepted as it stands ("try it out" works).

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
interface Seen {
  readonly status: number;
  readonly type: string;
  readonly body: unknown;
}

/**
 * Routes merged from other branches (AEFI, FHIR, EPCIS, doses by day) after this test was
 * first written: each is refused once without credentials (below, in one loop), and called
 * successfully in the story like any other route.
 */
const LATE_ROUTES = [
  'GET /v1/batches/{batchId}/doses-by-day',
  'GET /fhir/metadata',
  'GET /fhir/Patient/{personId}',
  'GET /fhir/Immunization',
  'GET /fhir/Immunization/{doseEventId}',
  'GET /fhir/AdverseEvent/{reportId}',
  'GET /epcis/events',
  'GET /epcis/events/{eventID}',
  'POST /epcis/capture',
  'GET /epcis/capture/{captureId}',
  'POST /v1/aefi',
  'GET /v1/aefi',
  'POST /v1/aefi/{reportId}/acknowledgement',
  'POST /v1/aefi/{reportId}/classification',
  'GET /v1/aefi/overdue',
  'GET /v1/aefi/signals',
  'GET /v1/aefi/{reportId}',
  'GET /v1/batches/{batchId}/aefi',
  'POST /v1/doses/import',
];

const CLINIC_AS = actor('clinic', EXAMPLE_IDS.clinic, '440000');
const CDC_AS = actor('cdc', EXAMPLE_IDS.cdc, '510000');

describe('the OpenAPI document matches the real answers of every route', () => {
  let api: ApiHarness;
  let keysDir = '';
  let doc: Doc;
  const seen = new Map<string, Seen[]>();
  const validators = new Map<string, ValidateFunction>();
  let ajv: Ajv;

  /** Calls `method template` with its path parameters filled in, and keeps the answer for checking. */
  const call = async (
    method: 'get' | 'post' | 'delete',
    template: string,
    as: Record<string, string> | null,
    options: { params?: Record<string, string>; body?: unknown; query?: string; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? 'missing'));
    let req = api.http[method](`${path}${options.query ?? ''}`);
    if (as) req = req.set(as);
    if (options.headers) req = req.set(options.headers);
    const res = options.body === undefined ? await req : await req.send(options.body as object);
    const key = `${method.toUpperCase()} ${template}`;
    const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
    seen.set(key, [...(seen.get(key) ?? []), { status: res.status, type, body: type.startsWith('text/') ? res.text : res.body }]);
    return { status: res.status, body: res.body as Record<string, unknown> };
  };
  /** Posts the document's own example for the operation; it must be accepted. */
  const example = async (method: 'post' | 'delete', template: string, as: Record<string, string>, params: Record<string, string> = {}) => {
    const key = `${method.toUpperCase()} ${template}`;
    const body = REQUEST_EXAMPLES[key];
    expect({ key, documented: body !== undefined }).toEqual({ key, documented: true });
    const res = await call(method, template, as, { params, body });
    expect({ key, status: res.status, body: res.status < 300 ? 'ok' : res.body }).toEqual({
      key,
      status: method === 'post' && template.endsWith('lookup') ? 200 : 201,
      body: 'ok',
    });
    await api.settle();
    return res.body;
  };

  beforeAll(async () => {
    keysDir = mkdtempSync(join(tmpdir(), 'vxl-openapi-'));
    createCertificateKeys(join(keysDir, 'certificate-keys.json'), 'https://sc.vaxledger.example');
    api = await startApi({ CERTIFICATE_KEYS_FILE: join(keysDir, 'certificate-keys.json') });
    doc = (await api.http.get('/openapi.json')).body as Doc;
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: (doc as unknown as { components: unknown }).components });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const validatorFor = (key: string, status: number, type: string): ValidateFunction | string => {
    const [method, path] = key.split(' ') as [string, string];
    const operation = doc.paths[path]?.[method.toLowerCase()];
    if (!operation) return `${key} is not in the document`;
    const response = operation.responses[String(status)];
    if (!response) return `${key} answered ${status}, which the document does not list`;
    const media = response.content?.[type];
    if (!media) return `${key} answered ${status} as ${type}, which the document does not list`;
    const id = `${key} ${status} ${type}`;
    if (!validators.has(id)) {
      const schema = JSON.parse(JSON.stringify(media.schema).replace(/"#\/components\//g, '"doc#/components/')) as object;
      validators.set(id, ajv.compile(schema));
    }
    return validators.get(id)!;
  };

  it('documents every route the app serves', () => {
    const router = (
      api.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }
    ).router;
    const served = router.stack
      .flatMap((layer) =>
        layer.route
          ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`)
          : [],
      )
      .filter((key) => !/ \/(docs|openapi)/.test(key) && !key.includes('*splat'));
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(served.length).toBeGreaterThan(30);
    expect(served.filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('names the purpose and staff headers on every read the access audit records, with the purpose it defaults to', () => {
    // Each of these reads writes PersonRecordRead (or RecallImpactExported) before it answers.
    const audited: Record<string, string> = {
      'POST /v1/persons/lookup': 'treatment',
      'GET /v1/persons/{personId}/record': 'treatment',
      'POST /v1/persons/{personId}/certificates': 'treatment',
      'POST /v1/status': 'public_health',
      'GET /v1/batches/{batchId}/recipients': 'recall_follow_up',
      'GET /v1/batches/{batchId}/impact/recipients': 'recall_follow_up',
      'GET /v1/aefi': 'public_health',
      'GET /v1/aefi/overdue': 'public_health',
      'GET /v1/aefi/{reportId}': 'public_health',
      'GET /fhir/Patient/{personId}': 'treatment',
      'GET /fhir/Immunization': 'treatment',
      'GET /fhir/Immunization/{doseEventId}': 'treatment',
      'GET /fhir/AdverseEvent/{reportId}': 'treatment',
    };
    const headersOf = (key: string): Record<string, unknown> => {
      const [method, path] = key.split(' ') as [string, string];
      const operation = doc.paths[path]?.[method.toLowerCase()] as {
        parameters?: { name: string; in: string; schema?: { default?: string } }[];
      };
      return Object.fromEntries(
        (operation?.parameters ?? []).filter((p) => p.in === 'header').map((p) => [p.name, p.schema?.default ?? true]),
      );
    };
    expect(Object.fromEntries(Object.keys(audited).map((key) => [key, headersOf(key)]))).toEqual(
      Object.fromEntries(Object.entries(audited).map(([key, purpose]) => [key, { 'X-Purpose-Of-Use': purpose, 'X-Staff-Ref': true }])),
    );
  });

  it('states formats, patterns and bounds of the fields, and every request example fits its own schema', () => {
    const schemas = (doc as unknown as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } })
      .components.schemas;
    expect(schemas.ProduceBatchDto!.properties.expiresOn).toMatchObject({
      type: 'string',
      format: 'date',
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    });
    expect(schemas.DispatchShipmentDto!.properties.dispatchedAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schemas.RegisterProductDto!.properties.productCode).toMatchObject({ pattern: '^(\\d{7}|\\d{14})$' });
    expect(schemas.LineDto!.properties.quantity).toMatchObject({ type: 'integer', minimum: 1 });
    const misfits: string[] = [];
    for (const [key, example] of Object.entries(REQUEST_EXAMPLES)) {
      const [method, path] = key.split(' ') as [string, string];
      const body = (
        doc.paths[path]?.[method.toLowerCase()] as unknown as {
          requestBody?: { content: Record<string, { schema: unknown; example: unknown }> };
        }
      )?.requestBody?.content['application/json'];
      if (!body) {
        misfits.push(`${key}: no JSON request body in the document`);
        continue;
      }
      expect(body.example).toEqual(example);
      const validate = ajv.compile(JSON.parse(JSON.stringify(body.schema).replace(/"#\/components\//g, '"doc#/components/')) as object);
      if (!validate(example)) misfits.push(`${key}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(misfits).toEqual([]);
  });

  it('accepts every example, and every answer of every route matches its schema', async () => {
    // Master data: the example CDC, plus the manufacturer and clinic the story needs.
    await example('post', '/v1/organisations', AS.regulator);
    await call('post', '/v1/organisations', AS.regulator, {
      body: { orgCode: EXAMPLE_IDS.maker, name: 'Jiangsu Vaccines', kind: 'manufacturer', provinceCode: '320000' },
    });
    await call('post', '/v1/organisations', AS.regulator, {
      body: { orgCode: EXAMPLE_IDS.clinic, name: 'Futian clinic', kind: 'clinic', provinceCode: '440000', parentOrgCode: EXAMPLE_IDS.cdc },
    });
    await call('post', '/v1/organisations', AS.regulator, { body: REQUEST_EXAMPLES['POST /v1/organisations'] }); // 409
    await call('get', '/v1/organisations/{orgCode}', AS.clinic, { params: { orgCode: EXAMPLE_IDS.cdc } });
    await call('get', '/v1/organisations/{orgCode}', AS.clinic, { params: { orgCode: '91350100M000100Y43' } }); // 404
    await call('get', '/v1/organisations', AS.clinic, { query: '?kind=cdc' });
    await call('get', '/v1/organisations', AS.clinic, { query: '?kind=shop' }); // 400
    await call('get', '/v1/value-sets/schedules', AS.clinic);
    await call('get', '/v1/value-sets/schedules', null); // 401
    await example('post', '/v1/products', AS.maker);
    await call('post', '/v1/products', AS.clinic, { body: REQUEST_EXAMPLES['POST /v1/products'] }); // 403
    await call('get', '/v1/products/{productCode}', AS.clinic, { params: { productCode: EXAMPLE_IDS.product } });
    await call('get', '/v1/products/{productCode}', AS.clinic, { params: { productCode: '1234567' } }); // 404
    await call('get', '/v1/products', AS.clinic, { query: '?q=hepatitis' });
    await call('get', '/v1/products', AS.clinic, { query: '?pageSize=500' }); // 400

    // Batches: the example batch released; a second one refused.
    await example('post', '/v1/batches', AS.maker);
    await call('post', '/v1/batches', AS.maker, { body: { ...(REQUEST_EXAMPLES['POST /v1/batches'] as object), expiresOn: '31/10/2028' } }); // 400
    await call('post', '/v1/batches', AS.maker, { body: { ...(REQUEST_EXAMPLES['POST /v1/batches'] as object), lotNumber: 'REFUSE01' } });
    await example('post', '/v1/batches/{batchId}/release', AS.regulator, { batchId: EXAMPLE_IDS.batchId });
    await call('post', '/v1/batches/{batchId}/release', AS.regulator, {
      params: { batchId: EXAMPLE_IDS.batchId },
      body: REQUEST_EXAMPLES['POST /v1/batches/{batchId}/release'],
    }); // 409
    await example('post', '/v1/batches/{batchId}/release-refusal', AS.regulator, { batchId: `${EXAMPLE_IDS.product}-REFUSE01` });
    await call('post', '/v1/batches/{batchId}/release-refusal', AS.regulator, {
      params: { batchId: EXAMPLE_IDS.batchId },
      body: REQUEST_EXAMPLES['POST /v1/batches/{batchId}/release-refusal'],
    }); // 409

    // Shipments: maker → CDC (the examples), CDC → clinic.
    const shipment = await example('post', '/v1/shipments', AS.maker);
    await call('post', '/v1/shipments', AS.maker, {
      body: { ...(REQUEST_EXAMPLES['POST /v1/shipments'] as object), lines: [{ batchId: EXAMPLE_IDS.batchId, quantity: 1000 }] },
    }); // 422
    const shipmentId = String(shipment.id);
    await example('post', '/v1/shipments/{shipmentId}/receipt', CDC_AS, { shipmentId });
    await call('post', '/v1/shipments/{shipmentId}/receipt', CDC_AS, {
      params: { shipmentId },
      body: REQUEST_EXAMPLES['POST /v1/shipments/{shipmentId}/receipt'],
    }); // 409
    const toClinic = await call('post', '/v1/shipments', CDC_AS, {
      body: {
        toSite: EXAMPLE_IDS.clinic,
        dispatchedAt: '2026-11-12T09:00:00+08:00',
        deliveryNoteNo: 'DN-7',
        lines: [{ batchId: EXAMPLE_IDS.batchId, quantity: 2 }],
      },
    });
    await call('post', '/v1/shipments/{shipmentId}/receipt', CLINIC_AS, {
      params: { shipmentId: String(toClinic.body.id) },
      body: {
        receivedAt: '2026-11-13T10:00:00+08:00',
        lines: [{ batchId: EXAMPLE_IDS.batchId, accepted: 2, rejected: 0 }],
        verification: { result: 'accepted', releaseCertificateChecked: true },
        temperatureLog: { deviceId: 'TL-9', readings: [{ at: '2026-11-13T09:00:00+08:00', celsius: 5 }] },
      },
    });
    await api.settle();
    await call('get', '/v1/shipments', CDC_AS, { query: '?direction=in' });
    await call('get', '/v1/shipments', CDC_AS, { query: '?direction=up' }); // 400

    // Doses and persons.
    const dose = await example('post', '/v1/doses', CLINIC_AS);
    await call('post', '/v1/doses', CLINIC_AS, { body: REQUEST_EXAMPLES['POST /v1/doses'] }); // 422: dose 1 again
    const personId = String(dose.id);
    const eventId = (dose.eventIds as string[]).at(-1)!;
    // A dose file: the example dose again (refused as dose 1 again) and another person's dose.
    const exampleDose = REQUEST_EXAMPLES['POST /v1/doses'] as { person: Record<string, string> } & Record<string, unknown>;
    const csvRow = (idNumber: string, birthDate = exampleDose.person.birthDate, sex = exampleDose.person.sex) =>
      [
        exampleDose.person.idType,
        idNumber,
        exampleDose.person.name,
        birthDate,
        sex,
        exampleDose.batchId,
        exampleDose.doseNumber,
        exampleDose.administeredAt,
        exampleDose.route,
        exampleDose.vaccinatorRef,
      ].join(',');
    const doseFile = `idType,idNumber,name,birthDate,sex,batchId,doseNumber,administeredAt,route,vaccinatorRef\n${csvRow(exampleDose.person.idNumber!)}\n${csvRow('11010519491231002X', '1949-12-31', 'F')}\n`;
    const imported = await call('post', '/v1/doses/import', CLINIC_AS, { body: doseFile, headers: { 'content-type': 'text/csv' } });
    expect(imported.body.summary).toMatchObject({ rows: 2, refused: 1 });
    await call('post', '/v1/doses/import', CLINIC_AS, { body: 'name\n', headers: { 'content-type': 'text/csv' } }); // 400: no dose columns
    await api.settle();
    await example('post', '/v1/persons/lookup', CLINIC_AS);
    await call('post', '/v1/persons/lookup', CLINIC_AS, { body: { idType: 'PASSPORT' } }); // 400
    await call('get', '/v1/persons/{personId}/record', CLINIC_AS, { params: { personId } });
    await call('get', '/v1/persons/{personId}/record', AS.maker, { params: { personId } }); // 403
    // The record as FHIR R4 resources.
    await call('get', '/fhir/metadata', null);
    await call('get', '/fhir/Patient/{personId}', CLINIC_AS, { params: { personId } });
    await call('get', '/fhir/Immunization', CLINIC_AS, { query: `?patient=Patient/${personId}` });
    await call('get', '/fhir/Immunization/{doseEventId}', CLINIC_AS, { params: { doseEventId: eventId } });
    // The record as a signed certificate (SMART Health Card), the keys to check it, and revocations.
    const issued = await call('post', '/v1/persons/{personId}/certificates', CLINIC_AS, { params: { personId }, body: {} });
    await call('post', '/v1/persons/{personId}/certificates', AS.maker, { params: { personId }, body: {} }); // 403
    await call('get', '/.well-known/crl/{file}', null, { params: { file: `${String(issued.body.kid)}.json` } });
    await call('get', '/.well-known/crl/{file}', null, { params: { file: `${'A'.repeat(43)}.json` } }); // 404
    await call('get', '/.well-known/crl/{file}', null, { params: { file: 'not+a+kid.json' } }); // 400
    // A health-code platform's status of the same person (by ID document, like a lookup).
    const healthcode = actor('healthcode', EXAMPLE_IDS.cdc, '440000');
    await call('post', '/v1/status', healthcode, { body: REQUEST_EXAMPLES['POST /v1/persons/lookup'] });
    await call('post', '/v1/status', CLINIC_AS, { body: REQUEST_EXAMPLES['POST /v1/persons/lookup'] }); // 403
    for (const path of ['/.well-known/jwks.json', '/v1/certificates/revocations']) {
      await call('get', path, null);
      await call('get', path, null, { query: '?x=%01' }); // 400: control character
    }

    // An AEFI report on the dose: reported, queued, overdue (its 48 h passed), taken, classified.
    const aefi = await call('post', '/v1/aefi', CLINIC_AS, {
      body: {
        person: { idType: 'RESIDENT_ID', idNumber: '510104199003071237' },
        doseEventIds: [eventId],
        discoveredAt: '2026-11-21T09:00:00+08:00',
        onsetAt: '2026-11-21T08:00:00+08:00',
        signs: ['fever_38_5'],
        serious: false,
        cluster: false,
        outcome: 'recovered',
      },
    });
    expect({ aefi: aefi.status }).toEqual({ aefi: 201 });
    const reportId = String(aefi.body.id);
    await api.settle();
    await call('get', '/v1/aefi', CDC_AS);
    await call('get', '/v1/aefi/overdue', CDC_AS);
    await call('get', '/v1/aefi/{reportId}', CDC_AS, { params: { reportId } });
    await call('get', '/fhir/AdverseEvent/{reportId}', CDC_AS, { params: { reportId } });
    await call('post', '/v1/aefi/{reportId}/acknowledgement', CDC_AS, { params: { reportId }, body: {} });
    await call('post', '/v1/aefi/{reportId}/classification', AS.regulator, { params: { reportId }, body: { aefiClass: 'rare_reaction' } });
    await api.settle();
    await call('get', '/v1/aefi/signals', AS.regulator);
    await call('get', '/v1/batches/{batchId}/aefi', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId } });

    await example('post', '/v1/doses/{eventId}/entered-in-error', CLINIC_AS, { eventId });
    await call('post', '/v1/doses/{eventId}/entered-in-error', CLINIC_AS, {
      params: { eventId },
      body: REQUEST_EXAMPLES['POST /v1/doses/{eventId}/entered-in-error'],
    }); // 409

    // Destruction, recall (a suspension) and its lift.
    await example('post', '/v1/destructions', CDC_AS);
    await call('post', '/v1/destructions', CDC_AS, {
      body: { ...(REQUEST_EXAMPLES['POST /v1/destructions'] as object), lines: [{ batchId: EXAMPLE_IDS.batchId, quantity: 50 }] },
    }); // 422
    const recall = await example('post', '/v1/recalls', AS.regulator);
    await call('post', '/v1/recalls', CLINIC_AS, { body: REQUEST_EXAMPLES['POST /v1/recalls'] }); // 403
    const recallId = String(recall.id);
    await call('get', '/v1/recalls/{recallId}', AS.regulator, { params: { recallId } });
    await call('get', '/v1/recalls/{recallId}', AS.regulator, { params: { recallId: 'no-such-recall' } }); // 404
    await call('get', '/v1/recalls', AS.regulator, { query: `?batchId=${EXAMPLE_IDS.batchId}` });
    await call('get', '/v1/recalls', AS.regulator, { query: '?status=old' }); // 400
    await example('post', '/v1/recalls/{recallId}/lift', AS.regulator, { recallId });
    await call('post', '/v1/recalls/{recallId}/lift', AS.regulator, {
      params: { recallId },
      body: REQUEST_EXAMPLES['POST /v1/recalls/{recallId}/lift'],
    }); // 409

    // Reads of the supply chain.
    await call('get', '/v1/batches', AS.regulator, { query: '?sort=expiresOn&order=desc' });
    await call('get', '/v1/batches', AS.regulator, { query: '?sort=colour' }); // 400
    await call('get', '/v1/batches/{batchId}/trace', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId } });
    await call('get', '/v1/batches/{batchId}/trace', AS.regulator, { params: { batchId: '8696321-NOPE' } }); // 404
    await call('get', '/v1/batches/{batchId}/doses-by-day', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId } });
    await call('get', '/v1/batches/{batchId}/doses-by-day', AS.regulator, { params: { batchId: '8696321-NOPE' } }); // 404
    await call('get', '/v1/batches/{batchId}/recipients', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId } });
    await call('get', '/v1/batches/{batchId}/recipients', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId }, query: '?format=csv' });
    await call('get', '/v1/batches/{batchId}/recipients', CLINIC_AS, { params: { batchId: EXAMPLE_IDS.batchId } }); // 403
    // The batch's growing lists, paged (the console's batch and recall-impact pages).
    await call('get', '/v1/batches/{batchId}/trace', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId }, query: '?lists=omit' });
    await call('get', '/v1/batches/{batchId}/custody', AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId }, query: '?pageSize=2' });
    await call('get', '/v1/batches/{batchId}/custody', AS.regulator, { params: { batchId: '8696321-NOPE' } }); // 404
    for (const list of ['stock', 'doses-by-site']) {
      await call('get', `/v1/batches/{batchId}/${list}`, AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId }, query: '?sort=site' });
      await call('get', `/v1/batches/{batchId}/${list}`, AS.regulator, { params: { batchId: '8696321-NOPE' } }); // 404
    }
    for (const list of ['recipients', 'sites', 'holders']) {
      const path = `/v1/batches/{batchId}/impact/${list}`;
      await call('get', path, AS.regulator, { params: { batchId: EXAMPLE_IDS.batchId }, query: '?order=desc' });
      await call('get', path, CLINIC_AS, { params: { batchId: EXAMPLE_IDS.batchId } }); // 403
    }
    await call('get', '/v1/trace-codes/{code}', AS.regulator, { params: { code: '86963210000000000017' } });
    await call('get', '/v1/trace-codes/{code}', AS.regulator, { params: { code: '12' } }); // 400
    await call('get', '/v1/sites/{orgCode}/inventory', CDC_AS, { params: { orgCode: EXAMPLE_IDS.cdc } });
    await call('get', '/v1/sites/{orgCode}/inventory', CLINIC_AS, { params: { orgCode: EXAMPLE_IDS.cdc } }); // 404

    // The same facts through EPCIS 2.0: a query, one event, and a capture job (a second lot
    // release of the example batch, which the job refuses without appending).
    const epcis = await call('get', '/epcis/events', AS.regulator, { query: '?perPage=5' });
    const eventList = (epcis.body as { epcisBody?: { queryResults?: { resultsBody?: { eventList?: { eventID: string }[] } } } }).epcisBody
      ?.queryResults?.resultsBody?.eventList;
    expect(eventList?.length).toBeGreaterThan(0);
    await call('get', '/epcis/events/{eventID}', AS.regulator, { params: { eventID: eventList![0]!.eventID } });
    const captured = await call('post', '/epcis/capture', AS.regulator, {
      body: {
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: '2026-11-22T08:00:00Z',
        epcisBody: {
          eventList: [
            {
              type: 'ObjectEvent',
              eventID: 'urn:uuid:5b0c1b7e-0000-4000-8000-0000000000c1',
              action: 'OBSERVE',
              bizStep: 'inspecting',
              disposition: 'conformant',
              eventTime: '2026-11-22T08:00:00+08:00',
              eventTimeZoneOffset: '+08:00',
              epcList: [],
              quantityList: [{ epcClass: `https://id.vaxledger.example/nmpa/product/${EXAMPLE_IDS.product}/lot/${EXAMPLE_IDS.lot}` }],
              bizTransactionList: [{ type: 'cert', bizTransaction: `https://id.vaxledger.example/release/${EXAMPLE_IDS.regulator}/C-2` }],
            },
          ],
        },
      },
    });
    expect({ capture: captured.status }).toEqual({ capture: 202 });
    // Its answer while running and once finished (the refusal listed in errors[]).
    let job: Record<string, unknown> = {};
    for (let tries = 0; tries < 100 && job.running !== false; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await call('get', '/epcis/capture/{captureId}', AS.regulator, { params: { captureId: String(captured.body.captureID) } }))
        .body;
    }
    expect(job).toMatchObject({ running: false, status: 'failed', appendedEvents: 0 });

    // Raw log and audit.
    await call('get', '/v1/streams/{streamId}', AS.regulator, { params: { streamId: `org-${EXAMPLE_IDS.cdc}` } });
    await call('get', '/v1/streams/{streamId}', CLINIC_AS, { params: { streamId: `org-${EXAMPLE_IDS.cdc}` } }); // 403
    await call('get', '/v1/events', AS.regulator, { query: '?limit=5' });
    await call('get', '/v1/events', CLINIC_AS); // 403
    await call('get', '/v1/audit/access', AS.regulator);
    await call('get', '/v1/audit/access', AS.regulator, { query: '?from=yesterday' }); // 400

    // Erasure last: it shreds the example person's details.
    await example('delete', '/v1/persons/{personId}/details', CDC_AS, { personId });
    await call('delete', '/v1/persons/{personId}/details', CLINIC_AS, {
      params: { personId },
      body: REQUEST_EXAMPLES['DELETE /v1/persons/{personId}/details'],
    }); // 403

    // Operations and the root.
    for (const path of ['/', '/health', '/metrics']) {
      await call('get', path, null);
      await call('get', path, null, { query: '?x=%01' }); // 400: control character
    }

    // The late routes: without credentials.
    for (const key of LATE_ROUTES) {
      const [method, template] = key.split(' ') as [string, string];
      // A public route is refused for a control character in its URL instead.
      await call(method.toLowerCase() as 'get' | 'post', template, null, {
        params: {},
        ...(method === 'POST' ? { body: {} } : {}),
        ...(template === '/fhir/metadata' ? { query: '?x=%01' } : {}),
      });
    }

    const problems: string[] = [];
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    for (const key of documented) {
      const answers = seen.get(key) ?? [];
      if (!answers.some((a) => a.status < 300)) problems.push(`${key}: no successful call`);
      if (!answers.some((a) => a.status >= 400)) problems.push(`${key}: no refused call`);
      for (const answer of answers) {
        const validate = validatorFor(key, answer.status, answer.type);
        if (typeof validate === 'string') problems.push(validate);
        else if (!validate(answer.body))
          problems.push(`${key} ${answer.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(answer.body).slice(0, 300)}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
  it('refuses every example that lacks a field its schema requires, naming the field, and appends nothing', async () => {
    type Schema = { $ref?: string; type?: string; required?: string[]; properties?: Record<string, Schema>; items?: Schema };
    const components = (doc as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas;
    const resolve = (schema: Schema | undefined): Schema | undefined =>
      schema?.$ref ? resolve(components[schema.$ref.split('/').pop()!]) : schema;
    /** Paths of the required fields: the body's own, then those of each required nested object (one level). */
    const requiredPaths = (schema: Schema | undefined, prefix = '', depth = 0): string[] =>
      (schema?.required ?? []).flatMap((name) => {
        const path = prefix ? `${prefix}.${name}` : name;
        const child = resolve(schema?.properties?.[name]);
        const nested = depth === 0 && child?.properties ? requiredPaths(child, path, depth + 1) : [];
        return [path, ...nested];
      });
    /** The example with the field at `path` left out (`undefined`) or sent as `null`. */
    const altered = (body: unknown, path: string, value: null | undefined): unknown => {
      const copy = JSON.parse(JSON.stringify(body)) as Record<string, Record<string, unknown>>;
      const [first, second] = path.split('.') as [string, string | undefined];
      const parent = second === undefined ? copy : copy[first]!;
      const name = second ?? first;
      if (value === undefined) delete parent[name];
      else parent[name] = value;
      return copy;
    };
    // Guards run before the body is validated: the first role the route admits gets the 400.
    const roles = [AS.maker, AS.cdc, AS.clinic, AS.regulator, actor('healthcode', EXAMPLE_IDS.cdc, '440000')];
    // Path parameters well formed (a malformed one is refused before the body is looked at).
    const pathValues = {
      batchId: EXAMPLE_IDS.batchId,
      shipmentId: randomUUID(),
      eventId: randomUUID(),
      recallId: randomUUID(),
      reportId: randomUUID(),
    };
    const before = await api.runtime.store.headPosition();
    const problems: string[] = [];
    let checked = 0;
    for (const [key, example] of Object.entries(REQUEST_EXAMPLES)) {
      const [method, template] = key.split(' ') as [string, string];
      if (method !== 'POST' || !template.startsWith('/v1/')) continue;
      const operation = doc.paths[template]?.post as unknown as { requestBody?: { content: Record<string, { schema: Schema }> } };
      for (const path of requiredPaths(resolve(operation?.requestBody?.content['application/json']?.schema))) {
        for (const value of [undefined, null]) {
          let answer: { status: number; body: Record<string, unknown> } | undefined;
          for (const as of roles) {
            answer = await call('post', template, as, { params: pathValues, body: altered(example, path, value) });
            if (answer.status !== 403) break;
          }
          checked++;
          // Left out: "<path> is required". Null: refused by that field's own checks.
          const errors = (answer?.body.errors ?? []) as { field: string; reason: string }[];
          const named = errors.some((e) => e.field === path && (value === null || e.reason === `${path} is required`));
          if (answer?.status !== 400 || answer.body.code !== 'VALIDATION_FAILED' || !named)
            problems.push(`${key} with ${path} ${String(value)}: ${answer?.status} ${JSON.stringify(answer?.body).slice(0, 200)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(80);
    expect(problems).toEqual([]);
    // Nothing appended meanwhile but the log's own checkpoints.
    const appended = await api.runtime.store.readAll({ after: before, limit: 1000 });
    expect(appended.filter((e) => e.type !== 'LogCheckpointed').map((e) => e.type)).toEqual([]);
  }, 60_000);
});
