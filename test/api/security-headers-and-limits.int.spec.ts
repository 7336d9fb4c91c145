import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// Security headers on every answer, rate limits per caller (429 problem+json with
// Retry-After; health and metrics exempt), and hostile bodies and URLs refused with a code.

const REGULATOR = actor('regulator', ORGS.regulator, '000000');
const CDC = actor('cdc', ORGS.cdc, '510000');

const expectProblem = (
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  code: string,
): void => {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
};

describe('security headers and hostile bodies', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({ BODY_LIMIT_BYTES: '2048' });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  }, 30_000);

  it('sends helmet’s headers, and no-store on answers that may hold personal data', async () => {
    for (const res of [await api.http.get('/v1/organisations/12510000MB0A1234XJ').set(REGULATOR), await api.http.get('/health')]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
      });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    const v1 = await api.http.get('/v1/organisations/12510000MB0A1234XJ').set(REGULATOR);
    expect(v1.headers['cache-control']).toBe('no-store');
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 problem+json naming the limit, appending nothing', async () => {
    const before = await api.logSize();
    const res = await api.http
      .post('/v1/organisations')
      .set(REGULATOR)
      .send({ orgCode: ORGS.cdc, name: 'x'.repeat(3000), kind: 'cdc', provinceCode: '510000' });
    expectProblem(res, 413, 'BODY_TOO_LARGE');
    expect(res.body.detail).toContain('2048 bytes');
    expect(await api.logSize()).toBe(before);
  });

  it('refuses a request line and headers over 16 KiB with 431 problem+json, appending nothing', async () => {
    const before = await api.logSize();
    const res = await api.http.get(`/v1/persons/${'x'.repeat(20_000)}/record`).set(REGULATOR);
    expectProblem(res, 431, 'HEADERS_TOO_LARGE');
    expect(res.body.detail).toContain('16 KiB');
    // The connection is closed after it; the next request is answered as usual.
    expect((await api.http.get('/health')).status).toBe(200);
    expect(await api.logSize()).toBe(before);
  });

  it('refuses an unknown Content-Encoding (415), absurd nesting and NUL characters (400) with a code', async () => {
    const encoded = await api.http
      .post('/v1/organisations')
      .set(REGULATOR)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'x-unknown')
      .send('{}');
    expectProblem(encoded, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const deep = await api.http
      .post('/v1/organisations')
      .set(REGULATOR)
      .set('Content-Type', 'application/json')
      .send('['.repeat(1000) + ']'.repeat(1000));
    expectProblem(deep, 400, 'MALFORMED_JSON');
    const nulInBody = await api.http
      .post('/v1/organisations')
      .set(REGULATOR)
      .set('Content-Type', 'application/json')
      .send('{"orgCode":"12510000MB0A1234XJ","name":"a\\u0000b","kind":"cdc","provinceCode":"510000"}');
    expectProblem(nulInBody, 400, 'VALIDATION_FAILED');
    const nulInPath = await api.http.get('/v1/batches/%00/trace').set(REGULATOR);
    expectProblem(nulInPath, 400, 'VALIDATION_FAILED');
    const badEscape = await api.http.get('/v1/batches/%E0%A4%A/trace').set(REGULATOR);
    expect(badEscape.status).toBeLessThan(500);
    expect(badEscape.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('rate limits per caller', () => {
  let api: ApiHarness;
  const LIMIT = 5;

  beforeAll(async () => {
    api = await startApi({ RATE_LIMIT_PER_MINUTE: String(LIMIT) });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  }, 30_000);

  it('answers 429 problem+json with Retry-After once a caller used its minute, and appends nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await api.http.get('/v1/organisations/12510000MB0A1234XJ').set(CDC)).status);
    expect(statuses).not.toContain(429);
    const before = await api.logSize();
    const limited = await api.http
      .post('/v1/organisations')
      .set(CDC)
      .send({ orgCode: ORGS.clinic, name: 'Clinic', kind: 'clinic', provinceCode: '510000' });
    expectProblem(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(await api.logSize()).toBe(before);
  });

  it('counts per authenticated caller: another organisation is not limited by the first', async () => {
    const res = await api.http.get('/v1/organisations/12510000MB0A1234XJ').set(REGULATOR);
    expect(res.status).not.toBe(429);
    const sameCallerAgain = await api.http.get('/v1/organisations/12510000MB0A1234XJ').set(actor('cdc', ORGS.cdc, '510000'));
    expect(sameCallerAgain.status).toBe(429);
  });

  it('never limits /health or /metrics', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      expect((await api.http.get('/health')).status).toBe(200);
      expect((await api.http.get('/metrics')).status).toBe(200);
    }
  });
});
