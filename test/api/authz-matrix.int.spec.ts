import { usccCheckChar } from '@vaxledger/domain';
import type { Response } from 'supertest';
import { type ApiHarness, actor, startApi } from '../support/api-harness';
import { startTestIdp, type TestIdp } from '../support/jwt';
import { aefiBody, aefiEndpoints } from './authz-matrix.aefi';

// Every role × every endpoint × own/other organisation × own/other province, from one table.
// The objects all belong to the "own" side in Sichuan (P): a Sichuan MAH's batch, shipped to
// a Sichuan CDC and on to the clinic it supervises, where a person was dosed. Each cell is
// one request by one caller, and says what it must get:
//
//   ok      the request reaches the business rules (2xx, or the refusal the rules give)
//   403     refused for the caller's role or jurisdiction, where the caller already knows
//           the object exists
//   404     refused as if the object did not exist (no id is confirmed by guessing: BOLA)
//   hidden  a 200 that looks exactly like the answer for an unknown object
//
// Every 403 and 404 is problem+json and leaves the log as it was. (Authentication: see
// authentication.int.spec.ts; here callers use the dev header, which maps to the same caller.)

const P = '510000';
const Q = '440000';
const uscc = (head: string, region: string, body: string): string => {
  const first17 = `${head}${region}${body}`;
  return first17 + usccCheckChar(first17);
};

const ORG = {
  makerP: uscc('91', '510100', 'MA0000001'),
  makerP2: uscc('91', '510100', 'MA0000002'),
  makerQ: uscc('91', '440300', 'MA0000003'),
  cdcP: uscc('12', '510000', 'MB0000004'),
  cdcP2: uscc('12', '510100', 'MB0000005'),
  cdcQ: uscc('12', '440000', 'MB0000006'),
  clinicP: uscc('12', '510104', 'MB0000007'),
  clinicP2: uscc('12', '510105', 'MB0000008'),
  clinicQ: uscc('12', '440304', 'MB0000009'),
  regP: uscc('11', '510000', 'MC000000A'),
  regQ: uscc('11', '440000', 'MC000000B'),
  regN: '12110000450712347E',
  hub: uscc('12', '110000', 'MD000000C'),
} as const;

// Columns of the table: who calls, and how it relates to the (Sichuan, own-side) objects.
const CALLERS = {
  regN: actor('regulator', ORG.regN, '000000'), // national
  regP: actor('regulator', ORG.regP, P), // same province
  regQ: actor('regulator', ORG.regQ, Q), // other province
  makerP: actor('manufacturer', ORG.makerP, P), // own organisation
  makerP2: actor('manufacturer', ORG.makerP2, P), // other organisation, same province
  makerQ: actor('manufacturer', ORG.makerQ, Q), // other organisation, other province
  cdcP: actor('cdc', ORG.cdcP, P), // own: held the batch, supervises the clinic
  cdcP2: actor('cdc', ORG.cdcP2, P), // other CDC, same province
  cdcQ: actor('cdc', ORG.cdcQ, Q), // other province
  clinicP: actor('clinic', ORG.clinicP, P), // own: holds the stock, gave the dose
  clinicP2: actor('clinic', ORG.clinicP2, P), // other clinic, same province
  clinicQ: actor('clinic', ORG.clinicQ, Q), // other province
  hub: actor('hub', ORG.hub, '000000'),
} as const;
type Caller = keyof typeof CALLERS;
const COLUMNS = 'regN regP regQ | makerP makerP2 makerQ | cdcP cdcP2 cdcQ | clinicP clinicP2 clinicQ | hub';

const PRODUCT = '8696321';
const B1 = `${PRODUCT}-AZ1`;
const B2 = `${PRODUCT}-AZ2`;
const codes = (lot: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${PRODUCT}${String(lot * 1000 + i + 1).padStart(13, '0')}`);
const B1_CODES = codes(1, 4);
const B2_CODES = codes(2, 2);
const PERSON_X = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
const PERSON_Y = { idType: 'RESIDENT_ID', idNumber: '440305202101154566' };
const PERSON_W = { idType: 'RESIDENT_ID', idNumber: '310115198507062825', name: '赵七', birthDate: '1985-07-06', sex: 'F' };
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const temperatureLog = { deviceId: 'TL-1', readings: [{ at: minutesAgo(90), celsius: 5 }] };

type Expect = 'ok' | '403' | '404' | 'hidden';

interface Endpoint {
  readonly name: string;
  /** One expectation per caller, in COLUMNS order (`|` only groups them for the eye). */
  readonly expect: string;
  readonly call: (api: ApiHarness, as: Record<string, string>) => Promise<Response>;
  /** What "ok" means when it is not simply "reached the rules". */
  readonly ok?: (res: Response) => boolean;
  readonly hidden?: (res: Response) => boolean;
}

// Filled in once the world exists.
const ids = { shipmentToClinic: '', doseEventId: '', personX: '', recallId: '', aefiReportId: '' };

const reachedRules = (res: Response): boolean =>
  res.status < 300 || ((res.status === 409 || res.status === 422) && res.body.code !== 'FORBIDDEN');

const ENDPOINTS: readonly Endpoint[] = [
  {
    name: 'POST /v1/organisations (in Sichuan)',
    expect: 'ok ok 403 | 403 403 403 | ok ok 403 | 403 403 403 | 403',
    call: (api, as) => api.http.post('/v1/organisations').set(as).send({ orgCode: ORG.cdcP, name: 'again', kind: 'cdc', provinceCode: P }),
  },
  {
    name: 'GET /v1/organisations/{orgCode}',
    expect: 'ok ok ok | ok ok ok | ok ok ok | ok ok ok | 403',
    call: (api, as) => api.http.get(`/v1/organisations/${ORG.cdcP}`).set(as),
  },
  {
    name: 'POST /v1/products (the own MAH’s product)',
    expect: '403 403 403 | ok 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.post('/v1/products').set(as).send(productBody()),
  },
  {
    name: 'GET /v1/products/{productCode}',
    expect: 'ok ok ok | ok ok ok | ok ok ok | ok ok ok | 403',
    call: (api, as) => api.http.get(`/v1/products/${PRODUCT}`).set(as),
  },
  {
    name: 'GET /v1/value-sets/schedules',
    expect: 'ok ok ok | ok ok ok | ok ok ok | ok ok ok | 403',
    call: (api, as) => api.http.get('/v1/value-sets/schedules').set(as),
  },
  {
    name: 'POST /v1/batches (of the own MAH’s product)',
    expect: '403 403 403 | ok 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.post('/v1/batches').set(as).send(batchBody('AZ1', B1_CODES)),
  },
  {
    name: 'POST /v1/batches/{batchId}/release',
    expect: 'ok ok 404 | 403 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.post(`/v1/batches/${B1}/release`).set(as).send({ certificateNo: 'C-2', decidedOn: '2026-11-06' }),
  },
  {
    name: 'POST /v1/batches/{batchId}/release-refusal',
    expect: 'ok ok 404 | 403 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.post(`/v1/batches/${B1}/release-refusal`).set(as).send({ reason: 'x', decidedOn: '2026-11-06' }),
  },
  {
    name: 'POST /v1/shipments (sender = caller)',
    expect: '403 403 403 | ok ok ok | ok ok ok | ok ok ok | 403',
    call: (api, as) =>
      api.http
        .post('/v1/shipments')
        .set(as)
        .send({ toSite: ORG.clinicP2, dispatchedAt: minutesAgo(1), deliveryNoteNo: 'DN-M', lines: [{ batchId: B1, quantity: 1_000_000 }] }),
  },
  {
    name: 'POST /v1/shipments/{shipmentId}/receipt (for the own clinic)',
    expect: '403 403 403 | 404 404 404 | 404 404 404 | ok 404 404 | 403',
    call: (api, as) =>
      api.http
        .post(`/v1/shipments/${ids.shipmentToClinic}/receipt`)
        .set(as)
        .send({
          receivedAt: minutesAgo(1),
          lines: [{ batchId: B1, accepted: 3, rejected: 0 }],
          verification: { result: 'accepted', releaseCertificateChecked: true },
          temperatureLog,
        }),
  },
  {
    name: 'POST /v1/recalls (of the own batch)',
    expect: 'ok ok 404 | ok 404 404 | 403 403 403 | 403 403 403 | 403',
    // The body also names an unknown batch, so an allowed recall is refused by the rules
    // ("no batch …-NOPE") and appends nothing; a hidden one is refused at the own batch.
    call: (api, as) =>
      api.http
        .post('/v1/recalls')
        .set(as)
        .send(recallBody([B1, `${PRODUCT}-NOPE`])),
    ok: (res) => res.status === 404 && String(res.body.detail).includes('NOPE'),
  },
  {
    name: 'POST /v1/recalls/{recallId}/lift',
    expect: 'ok ok 404 | 403 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.post(`/v1/recalls/${ids.recallId}/lift`).set(as).send({ reasonCode: 'cleared' }),
  },
  {
    name: 'GET /v1/recalls/{recallId}',
    expect: 'ok ok 404 | ok 404 404 | ok ok 404 | 404 404 404 | 403',
    call: (api, as) => api.http.get(`/v1/recalls/${ids.recallId}`).set(as),
  },
  {
    name: 'POST /v1/destructions (at the caller’s site)',
    expect: '403 403 403 | ok ok ok | ok ok ok | ok ok ok | 403',
    call: (api, as) =>
      api.http
        .post('/v1/destructions')
        .set(as)
        .send({
          destroyedAt: minutesAgo(1),
          lines: [{ batchId: B1, quantity: 1_000_000 }],
          reasonCode: 'damaged',
          executorRef: 'E-1',
          supervisorRef: 'S-1',
          supervisorOrgCode: ORG.cdcP,
        }),
  },
  {
    name: 'POST /v1/doses (at the caller’s site)',
    expect: '403 403 403 | 403 403 403 | 403 403 403 | ok ok ok | 403',
    // Dose 3 of a person with no dose 2: refused by the rules, nothing appended.
    call: (api, as) =>
      api.http
        .post('/v1/doses')
        .set(as)
        .send({
          person: PERSON_W,
          batchId: B1,
          traceCode: B1_CODES[2],
          doseNumber: 3,
          administeredAt: minutesAgo(1),
          route: 'IM',
          vaccinatorRef: 'V-1',
        }),
  },
  {
    name: 'POST /v1/doses/{eventId}/entered-in-error',
    expect: '403 403 403 | 403 403 403 | ok 404 404 | ok 404 404 | 403',
    call: (api, as) => api.http.post(`/v1/doses/${ids.doseEventId}/entered-in-error`).set(as).send({ reasonCode: 'did_not_occur' }),
  },
  {
    name: 'POST /v1/persons/lookup',
    expect: '403 403 403 | 403 403 403 | ok ok ok | ok ok ok | 403',
    call: (api, as) => api.http.post('/v1/persons/lookup').set(as).send(PERSON_Y),
  },
  {
    name: 'GET /v1/persons/{personId}/record (no lookup by the caller)',
    expect: '403 403 403 | 403 403 403 | ok ok 404 | ok 404 404 | 403',
    call: (api, as) => api.http.get(`/v1/persons/${ids.personX}/record`).set(as),
  },
  {
    name: 'GET /v1/batches/{batchId}/trace',
    expect: 'ok ok 404 | ok 404 404 | ok ok 404 | ok 404 404 | 403',
    call: (api, as) => api.http.get(`/v1/batches/${B1}/trace`).set(as),
  },
  {
    name: 'GET /v1/batches/{batchId}/recipients',
    expect: 'ok ok 404 | 403 403 403 | ok ok 404 | 403 403 403 | 403',
    call: (api, as) => api.http.get(`/v1/batches/${B1}/recipients`).set(as),
  },
  {
    name: 'GET /v1/trace-codes/{code} (a unit on the own clinic’s shelf)',
    expect: 'ok ok hidden | ok hidden hidden | ok ok hidden | ok hidden hidden | 403',
    call: (api, as) => api.http.get(`/v1/trace-codes/${B1_CODES[1]}`).set(as),
    ok: (res) => res.status === 200 && res.body.batchId === B1 && res.body.holder === ORG.clinicP,
    hidden: (res) => res.status === 200 && res.body.state === 'unknown' && res.body.batchId === null && res.body.holder === null,
  },
  {
    name: 'GET /v1/sites/{orgCode}/inventory (the own clinic)',
    expect: 'ok ok 404 | 404 404 404 | ok 404 404 | ok 404 404 | 403',
    call: (api, as) => api.http.get(`/v1/sites/${ORG.clinicP}/inventory`).set(as),
  },
  {
    name: 'GET /v1/streams/{streamId} (a Sichuan person stream)',
    expect: 'ok ok 404 | 403 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.get(`/v1/streams/person-${P}-${ids.personX}`).set(as),
  },
  {
    name: 'GET /v1/audit/access (this Sichuan node’s trail of reads)',
    expect: 'ok ok 403 | 403 403 403 | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.get('/v1/audit/access?limit=5').set(as),
  },
  {
    name: 'GET /v1/events',
    expect: 'ok 403 403 | 403 403 403 | 403 403 403 | 403 403 403 | ok',
    call: (api, as) => api.http.get('/v1/events?limit=5').set(as),
  },
  ...aefiEndpoints(ids, B1),
];

const productBody = (): Record<string, unknown> => ({
  productCode: PRODUCT,
  name: 'HepB 10 µg',
  vaccineType: 'HepB',
  approvalNo: 'S20260001',
  mahOrgCode: ORG.makerP,
  dosesPerUnit: 1,
  storageC: { min: 2, max: 8 },
  shelfLifeMonths: 24,
  programme: 'NIP',
  serialised: true,
});
const batchBody = (lot: string, traceCodes: string[]): Record<string, unknown> => ({
  productCode: PRODUCT,
  lotNumber: lot,
  producedOn: '2026-11-01',
  expiresOn: '2028-10-31',
  quantity: traceCodes.length,
  traceCodes,
});
const recallBody = (batchIds: string[]): Record<string, unknown> => ({
  batchIds,
  kind: 'recall',
  level: 2,
  initiation: 'voluntary',
  reasonCode: 'quality_defect',
  reasonText: 'potency',
  effectiveAt: minutesAgo(1),
  actions: ['stop_use', 'return'],
  personFollowUp: 'notify',
});

describe('authorisation matrix: role × endpoint × own/other organisation × own/other province', () => {
  let api: ApiHarness;
  let idp: TestIdp;

  const must = async (res: Promise<Response>, what: string): Promise<Response> => {
    const answer = await res;
    if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  };

  beforeAll(async () => {
    // Dev mode (callers by X-Dev-Actor), with JWT settings too, so tokens are accepted as well.
    idp = await startTestIdp();
    api = await startApi(idp.env);
    const { regN, makerP, cdcP, clinicP } = CALLERS;
    const orgs: [string, string, string, string?][] = [
      [ORG.makerP, 'manufacturer', P],
      [ORG.makerP2, 'manufacturer', P],
      [ORG.makerQ, 'manufacturer', Q],
      [ORG.cdcP, 'cdc', P],
      [ORG.cdcP2, 'cdc', P],
      [ORG.cdcQ, 'cdc', Q],
      [ORG.clinicP, 'clinic', P, ORG.cdcP],
      [ORG.clinicP2, 'clinic', P, ORG.cdcP2],
      [ORG.clinicQ, 'clinic', Q, ORG.cdcQ],
    ];
    for (const [orgCode, kind, provinceCode, parentOrgCode] of orgs)
      await must(
        api.http
          .post('/v1/organisations')
          .set(regN)
          .send({ orgCode, name: orgCode, kind, provinceCode, ...(parentOrgCode ? { parentOrgCode } : {}) }),
        `register ${orgCode}`,
      );
    await must(api.http.post('/v1/products').set(makerP).send(productBody()), 'product');
    await must(api.http.post('/v1/batches').set(makerP).send(batchBody('AZ1', B1_CODES)), 'batch 1');
    await must(api.http.post('/v1/batches').set(makerP).send(batchBody('AZ2', B2_CODES)), 'batch 2');
    for (const batch of [B1, B2])
      await must(
        api.http
          .post(`/v1/batches/${batch}/release`)
          .set(regN)
          .send({ certificateNo: `C-${batch}`, decidedOn: '2026-11-05' }),
        'release',
      );
    let notes = 0;
    const ship = async (
      from: Record<string, string>,
      to: Record<string, string>,
      toSite: string,
      batchId: string,
      traceCodes: string[],
    ) => {
      const sent = await must(
        api.http
          .post('/v1/shipments')
          .set(from)
          .send({
            toSite,
            dispatchedAt: minutesAgo(200),
            deliveryNoteNo: `DN-${++notes}`,
            lines: [{ batchId, quantity: traceCodes.length, traceCodes }],
          }),
        'dispatch',
      );
      await must(
        api.http
          .post(`/v1/shipments/${sent.body.id}/receipt`)
          .set(to)
          .send({
            receivedAt: minutesAgo(150),
            lines: [{ batchId, accepted: traceCodes.length, rejected: 0, traceCodes }],
            verification: { result: 'accepted', releaseCertificateChecked: true },
            temperatureLog,
          }),
        'receipt',
      );
      return String(sent.body.id);
    };
    await ship(makerP, cdcP, ORG.cdcP, B1, B1_CODES);
    await ship(makerP, cdcP, ORG.cdcP, B2, B2_CODES);
    ids.shipmentToClinic = await ship(cdcP, clinicP, ORG.clinicP, B1, B1_CODES.slice(0, 3));
    const dose = await must(
      api.http
        .post('/v1/doses')
        .set(clinicP)
        .send({
          person: PERSON_X,
          batchId: B1,
          traceCode: B1_CODES[0],
          doseNumber: 1,
          administeredAt: minutesAgo(30),
          route: 'IM',
          vaccinatorRef: 'V-1',
        }),
      'dose',
    );
    ids.personX = String(dose.body.id);
    ids.doseEventId = (dose.body.eventIds as string[]).at(-1)!;
    await api.settle();
    // An AEFI reported by the clinic about that dose (before it is voided below).
    ids.aefiReportId = String(
      (
        await must(
          api.http
            .post('/v1/aefi')
            .set(clinicP)
            .send(aefiBody(ids, PERSON_X, minutesAgo(20))),
          'aefi',
        )
      ).body.id,
    );
    // Voided once here, so every allowed void in the matrix meets DOSE_ALREADY_VOIDED.
    await must(api.http.post(`/v1/doses/${ids.doseEventId}/entered-in-error`).set(clinicP).send({ reasonCode: 'duplicate_entry' }), 'void');
    ids.recallId = String(
      (
        await must(
          api.http
            .post('/v1/recalls')
            .set(makerP)
            .send(recallBody([B2])),
          'recall',
        )
      ).body.id,
    );
    await api.settle();
  }, 120_000);
  afterAll(() => api?.close());

  const callers = COLUMNS.split(/\s+/).filter((c) => c !== '|') as Caller[];
  const cells = ENDPOINTS.flatMap((endpoint) => {
    const expected = endpoint.expect.split(/\s+/).filter((c) => c !== '|') as Expect[];
    if (expected.length !== callers.length) throw new Error(`${endpoint.name}: ${expected.length} cells for ${callers.length} callers`);
    return callers.map((caller, i) => ({ endpoint, caller, expected: expected[i]! }));
  });

  it('covers every endpoint with every caller', () => {
    expect(cells).toHaveLength(ENDPOINTS.length * Object.keys(CALLERS).length);
    expect(new Set(cells.map((c) => c.expected))).toEqual(new Set(['ok', '403', '404', 'hidden']));
  });

  it.each(cells.map((c) => [c.endpoint.name, c.caller, c.expected, c] as const))('%s as %s → %s', async (_, caller, expected, cell) => {
    const before = await api.logSize();
    const res = await cell.endpoint.call(api, CALLERS[caller]);
    const summary = `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
    switch (expected) {
      case 'ok':
        expect({ ok: (cell.endpoint.ok ?? reachedRules)(res), summary }).toEqual({ ok: true, summary });
        return;
      case 'hidden':
        expect({ hidden: cell.endpoint.hidden!(res), summary }).toEqual({ hidden: true, summary });
        break;
      case '403':
      case '404':
        expect({ status: res.status, summary }).toEqual({ status: Number(expected), summary });
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.code).not.toBe('INTERNAL_ERROR');
        // Where "ok" is itself a 404 from the rules, a refusal must not look like it.
        expect(cell.endpoint.ok?.(res) ?? false).toBe(false);
        break;
    }
    expect(await api.logSize()).toBe(before);
  });

  it('gives a bearer token with the same claims the same answers as the dev header', async () => {
    const paths = [
      `/v1/batches/${B1}/trace`,
      `/v1/batches/${B1}/recipients`,
      `/v1/sites/${ORG.clinicP}/inventory`,
      `/v1/recalls/${ids.recallId}`,
    ];
    const answers = async (headers: (caller: Caller) => Promise<Record<string, string>>): Promise<string[]> => {
      const out: string[] = [];
      for (const caller of callers)
        for (const path of paths) out.push(`${caller} ${path} ${(await api.http.get(path).set(await headers(caller))).status}`);
      return out;
    };
    const byToken = await answers(async (caller) => {
      const [role, org, province] = CALLERS[caller]['X-Dev-Actor']!.split(':');
      return { Authorization: `Bearer ${await idp.token({ org, role, province })}` };
    });
    expect(byToken).toEqual(await answers(async (caller) => CALLERS[caller]));
    expect(new Set(byToken.map((a) => a.split(' ')[2]))).toEqual(new Set(['200', '403', '404']));
  });

  it('lets another clinic read the record once it has looked the person up by ID, and not after the grant expires', async () => {
    const { clinicP2 } = CALLERS;
    expect((await api.http.get(`/v1/persons/${ids.personX}/record`).set(clinicP2)).status).toBe(404);
    const lookup = await api.http.post('/v1/persons/lookup').set(clinicP2).send({ idType: PERSON_X.idType, idNumber: PERSON_X.idNumber });
    expect(lookup.body).toEqual({ personId: ids.personX });
    expect((await api.http.get(`/v1/persons/${ids.personX}/record`).set(clinicP2)).status).toBe(200);
    const schema = (api.runtime.auth as unknown as { schema: string }).schema;
    await api.runtime.readModels.dataSource.query(`UPDATE "${schema}".person_grants SET expires_at = now() - interval '1 second'`);
    expect((await api.http.get(`/v1/persons/${ids.personX}/record`).set(clinicP2)).status).toBe(404);
  });

  it('answers a hidden batch exactly like an unknown one (same status, code and detail shape)', async () => {
    const hidden = await api.http.get(`/v1/batches/${B1}/trace`).set(CALLERS.clinicQ);
    const unknown = await api.http.get(`/v1/batches/${PRODUCT}-NOSUCH/trace`).set(CALLERS.clinicQ);
    expect(hidden.status).toBe(unknown.status);
    expect(hidden.body.code).toBe(unknown.body.code);
    expect(String(hidden.body.detail).replace(B1, 'ID')).toBe(String(unknown.body.detail).replace(`${PRODUCT}-NOSUCH`, 'ID'));
  });

  it('shows a provincial regulator only its own province’s rows of a recall impact', async () => {
    // A Guangdong clinic gets a unit of the batch: the Sichuan regulator no longer sees that holder.
    const ship = await api.http
      .post('/v1/shipments')
      .set(CALLERS.cdcP)
      .send({
        toSite: ORG.clinicQ,
        dispatchedAt: minutesAgo(20),
        deliveryNoteNo: 'DN-Q',
        lines: [{ batchId: B1, quantity: 1, traceCodes: [B1_CODES[3]] }],
      });
    expect(ship.status).toBe(201);
    const receipt = await api.http
      .post(`/v1/shipments/${ship.body.id}/receipt`)
      .set(CALLERS.clinicQ)
      .send({
        receivedAt: minutesAgo(10),
        lines: [{ batchId: B1, accepted: 1, rejected: 0, traceCodes: [B1_CODES[3]] }],
        verification: { result: 'accepted', releaseCertificateChecked: true },
        temperatureLog,
      });
    expect(receipt.status).toBe(201);
    await api.settle();
    const holders = async (as: Record<string, string>): Promise<string[]> =>
      ((await api.http.get(`/v1/batches/${B1}/recipients`).set(as)).body.holders as { site: string }[]).map((h) => h.site).sort();
    expect(await holders(CALLERS.regN)).toEqual([ORG.clinicP, ORG.clinicQ].sort());
    expect(await holders(CALLERS.regP)).toEqual([ORG.clinicP]);
    expect(await holders(CALLERS.regQ)).toEqual([ORG.clinicQ]);
    // …and the Guangdong clinic now traces the batch it holds.
    expect((await api.http.get(`/v1/batches/${B1}/trace`).set(CALLERS.clinicQ)).status).toBe(200);
  });
});
