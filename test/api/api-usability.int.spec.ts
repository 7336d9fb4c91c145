import type { AddressInfo } from 'node:net';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// What a developer meets without reading the code: GET / links, validation messages in
// plain words with the field, 415 for a body that is not JSON, a 401 that explains X-Dev-Actor.

describe('API usability', () => {
  let api: ApiHarness;
  let base = '';

  beforeAll(async () => {
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });

  it('GET / links to the docs, the OpenAPI document, health and the console, without credentials', async () => {
    const res = await api.http.get('/');
    expect(res.status).toBe(200);
    expect(res.body.links).toEqual({ docs: '/docs', openapi: '/openapi.json', health: '/health', console: '/console' });
    expect((await api.http.get(res.body.links.openapi)).status).toBe(200);
    expect((await api.http.get(res.body.links.health)).status).toBe(200);
  });

  describe('415 for a body that is not JSON', () => {
    const org = JSON.stringify({ orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });

    it.each([
      ['text/plain', /request body is text\/plain; send JSON with Content-Type: application\/json/],
      ['application/x-www-form-urlencoded', /request body is application\/x-www-form-urlencoded/],
      [undefined, /has a body but no Content-Type/],
    ])('Content-Type %s', async (type, detail) => {
      const before = await api.logSize();
      const res = await fetch(`${base}/v1/organisations`, {
        method: 'POST',
        headers: { ...AS.regulator, ...(type ? { 'Content-Type': type } : {}) },
        body: new TextEncoder().encode(org),
      });
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as { code: string; detail: string };
      expect(body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(body.detail).toMatch(detail);
      expect(await api.logSize()).toBe(before);
    });

    it('takes a POST with Content-Length: 0 and no Content-Type as one without a body, as browsers send it', async () => {
      const before = await api.logSize();
      const res = await fetch(`${base}/v1/organisations`, { method: 'POST', headers: { ...AS.regulator, 'Content-Length': '0' } });
      // Past the media-type check to validation: the body is empty, not of an unknown type.
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
      expect(await api.logSize()).toBe(before);
    });

    it('still takes the same body as application/json', async () => {
      const res = await fetch(`${base}/v1/organisations`, {
        method: 'POST',
        headers: { ...AS.regulator, 'Content-Type': 'application/json; charset=utf-8' },
        body: org,
      });
      expect(res.status).toBe(201);
    });
  });

  it('refuses a query parameter a route does not declare instead of ignoring it', async () => {
    for (const path of [
      `/v1/sites/${ORGS.cdc}/inventory?pageSize=5`,
      '/v1/aefi/signals?page=2',
      `/v1/organisations/${ORGS.cdc}?fields=name`,
    ]) {
      const res = await api.http.get(path).set(AS.regulator);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.detail).toMatch(/unknown parameter (pageSize|page|fields)/);
    }
    // Declared parameters still work, and so do routes that read their own (FHIR search).
    expect((await api.http.get('/v1/organisations?pageSize=5').set(AS.regulator)).status).toBe(200);
    expect((await api.http.get('/fhir/metadata?_format=json').set(AS.regulator)).status).toBe(200);
  });

  describe('401 for a malformed X-Dev-Actor says what the format is', () => {
    it.each([
      ['clinic:12440300MB1B2345QN', /2 parts/],
      ['doctor:12440300MB1B2345QN:440000', /role "doctor" is unknown/],
      ['clinic:12440300mb1b2345qn:440000', /orgCode is not an 18-character code/],
      ['clinic:12440300MB1B2345QN:44', /provinceCode is not 6 digits/],
    ])('%s', async (header, why) => {
      const res = await api.http.get('/v1/organisations').set('X-Dev-Actor', header);
      expect(res.status).toBe(401);
      expect(res.type).toBe('application/problem+json');
      expect(res.body.code).toBe('UNAUTHENTICATED');
      expect(res.body.detail).toContain('X-Dev-Actor must be <role>:<orgCode>:<provinceCode>, e.g. clinic:12440300MB1B2345QN:440000');
      expect(res.body.detail).toMatch(why);
    });
  });

  describe('validation messages in plain words, naming the field', () => {
    const reasons = (res: { body: { errors?: { field: string; reason: string }[] } }) => res.body.errors ?? [];

    it('a date, an instant, a missing field and a nested line', async () => {
      const batch = await api.http
        .post('/v1/batches')
        .set(AS.maker)
        .send({ productCode: '8696321', lotNumber: 'L1', producedOn: '2026-11-01', expiresOn: '2027/03/01', quantity: 2 });
      expect(batch.status).toBe(400);
      expect(reasons(batch)).toEqual([{ field: 'expiresOn', reason: 'expiresOn must be a date like 2027-03-01' }]);

      const shipment = await api.http
        .post('/v1/shipments')
        .set(AS.maker)
        .send({ toSite: ORGS.cdc, dispatchedAt: 'yesterday', lines: [{ batchId: '8696321-L1', quantity: 0 }] });
      expect(shipment.status).toBe(400);
      expect(reasons(shipment)).toEqual(
        expect.arrayContaining([
          { field: 'dispatchedAt', reason: 'dispatchedAt must be a date and time with its offset, like 2026-11-10T09:00:00+08:00' },
          { field: 'deliveryNoteNo', reason: 'deliveryNoteNo is required' },
          { field: 'lines[0].quantity', reason: 'lines[0].quantity must not be less than 1' },
        ]),
      );
      for (const { reason } of reasons(shipment)) expect(reason).not.toMatch(/must match|regular expression/);
    });

    it('query parameters too', async () => {
      const res = await api.http.get('/v1/shipments?page=two&sort=colour').set(AS.maker);
      expect(res.status).toBe(400);
      expect(reasons(res)).toEqual(
        expect.arrayContaining([
          { field: 'page', reason: 'page must be a whole number' },
          { field: 'sort', reason: 'sort must be one of: dispatchedAt, receivedAt, deliveryNoteNo, shipmentId' },
        ]),
      );
    });
  });
});
