import { type ApiHarness, AS, ORGS, startApi } from '../support/api-harness';
import { hs256Token, startTestIdp, type TestIdp, unsignedToken } from '../support/jwt';

// Who is calling: bearer JWTs from the identity provider's JWKS (AUTH_MODE=jwt), API keys
// for machine clients, and the dev header only in dev mode. Every refusal is the same
// 401 problem with a WWW-Authenticate challenge and nothing that says what was wrong.

const SCHEDULES = '/v1/value-sets/schedules';
const regulator = { org: ORGS.regulator, role: 'regulator', national: true };
const clinic = { org: ORGS.clinic, role: 'clinic', province: '440000' };

const expectChallenge = (res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }): void => {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="vaxledger"/);
  expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', detail: 'credentials are missing or invalid' });
};

describe('authentication with AUTH_MODE=jwt', () => {
  let idp: TestIdp;
  let api: ApiHarness;

  beforeAll(async () => {
    idp = await startTestIdp();
    api = await startApi({ AUTH_MODE: 'jwt', ...idp.env });
  }, 60_000);
  afterAll(() => api?.close());

  const get = (headers: Record<string, string>) => api.http.get(SCHEDULES).set(headers);
  const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

  it.each(['ES256', 'RS256'] as const)('accepts a good %s token', async (alg) => {
    const res = await get(bearer(await idp.token(clinic, { alg })));
    expect(res.status).toBe(200);
  });

  it('acts as the organisation, role and province of the token', async () => {
    const body = { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' };
    const created = await api.http
      .post('/v1/organisations')
      .set(bearer(await idp.token(regulator)))
      .send(body);
    expect(created.status).toBe(201);
    const [event] = await api.runtime.store.readStream(`org-${ORGS.cdc}`);
    expect(event!.metadata).toMatchObject({ actor: { orgCode: ORGS.regulator, role: 'regulator', provinceCode: '000000' } });
    // The same call as a clinic's token is refused by role, not by authentication.
    const asClinic = await api.http
      .post('/v1/organisations')
      .set(bearer(await idp.token(clinic)))
      .send({ ...body, orgCode: ORGS.otherMaker });
    expect(asClinic.status).toBe(403);
  });

  it.each([
    ['a wrong issuer', { issuer: 'https://evil.example' }],
    ['a wrong audience', { audience: 'someone-else' }],
    ['an expired token (beyond the clock tolerance)', { expiresIn: -120 }],
    ['a token not valid before two minutes from now', { notBefore: 120 }],
    ['a kid the JWKS does not list', { kid: 'es256-unknown' }],
    ['a valid kid but a key that was never published', { unpublishedKey: true }],
  ] as const)('refuses %s', async (_, options) => {
    expectChallenge(await get(bearer(await idp.token(clinic, options))));
  });

  it('tolerates a little clock skew on exp', async () => {
    expect((await get(bearer(await idp.token(clinic, { expiresIn: -10 })))).status).toBe(200);
  });

  it('refuses alg none and HS256, even with otherwise perfect claims', async () => {
    const claims = { ...clinic, iss: idp.issuer, aud: idp.audience, exp: Math.floor(Date.now() / 1000) + 300 };
    expectChallenge(await get(bearer(unsignedToken(claims))));
    expectChallenge(await get(bearer(await hs256Token(claims))));
  });

  it.each([
    ['an unknown role', { ...clinic, role: 'admin' }],
    ['an organisation code with a bad check character', { ...clinic, org: '12440300MB1B2345QM' }],
    ['no province', { org: ORGS.clinic, role: 'clinic' }],
    ['a site of another organisation', { ...clinic, site: `${ORGS.cdc}-1` }],
  ])('refuses a signed token with %s', async (_, claims) => {
    expectChallenge(await get(bearer(await idp.token(claims))));
  });

  it('refuses garbage, other schemes, no credentials and the dev header', async () => {
    expectChallenge(await get(bearer('not.a.jwt')));
    expectChallenge(await get({ Authorization: 'Basic dXNlcjpwYXNz' }));
    expectChallenge(await get({}));
    expectChallenge(await get(AS.clinic));
  });

  it('accepts a key added to the JWKS file after start-up (rotation)', async () => {
    // The file is re-read at most once a second, when a token names a kid it lacks.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await idp.rotate();
    expect((await get(bearer(await idp.token(clinic)))).status).toBe(200);
  });

  it('lets the hub sync and nothing else', async () => {
    const hub = bearer(await idp.token({ org: ORGS.regulator, role: 'hub', province: '000000' }));
    expect((await api.http.get('/v1/events?limit=1').set(hub)).status).toBe(200);
    expect((await get(hub)).status).toBe(403);
  });

  describe('API keys', () => {
    it('authenticate a machine client with either header until revoked, and never after', async () => {
      const { key, info } = await api.runtime.auth.issueApiKey({ orgCode: ORGS.maker, role: 'manufacturer', provinceCode: '320000' });
      expect((await get({ Authorization: `ApiKey ${key}` })).status).toBe(200);
      expect((await get({ 'X-Api-Key': key })).status).toBe(200);
      // Bound to its organisation and role: a manufacturer's key registers no organisations.
      const refused = await api.http
        .post('/v1/organisations')
        .set('X-Api-Key', key)
        .send({ orgCode: ORGS.otherMaker, name: 'x', kind: 'manufacturer', provinceCode: '350000' });
      expect(refused.status).toBe(403);
      // Only a hash is stored.
      const stored = await api.runtime.readModels.dataSource.query(
        `SELECT * FROM "${(api.runtime.auth as unknown as { schema: string }).schema}".api_keys WHERE key_id = $1`,
        [info.keyId],
      );
      expect(JSON.stringify(stored)).not.toContain(key.slice(-43));
      expect(await api.runtime.auth.revokeApiKey(info.keyId)).toBe(true);
      expectChallenge(await get({ 'X-Api-Key': key }));
      expectChallenge(await get({ Authorization: `ApiKey ${key}` }));
    });

    it('refuse a key with one character changed, or of the wrong shape', async () => {
      const { key } = await api.runtime.auth.issueApiKey({ orgCode: ORGS.cdc, role: 'cdc', provinceCode: '510000' });
      const last = key.at(-1) === 'A' ? 'B' : 'A';
      expectChallenge(await get({ 'X-Api-Key': `${key.slice(0, -1)}${last}` }));
      expectChallenge(await get({ 'X-Api-Key': 'vxk_000000000000_short' }));
      expect((await get({ 'X-Api-Key': key })).status).toBe(200);
    });
  });
});

describe('authentication with AUTH_MODE=dev', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  }, 60_000);
  afterAll(() => api?.close());

  it('trusts X-Dev-Actor, still accepts API keys, and accepts no bearer token without JWT settings', async () => {
    expect((await api.http.get(SCHEDULES).set(AS.clinic)).status).toBe(200);
    const { key } = await api.runtime.auth.issueApiKey({ orgCode: ORGS.cdc, role: 'cdc', provinceCode: '510000' });
    expect((await api.http.get(SCHEDULES).set('X-Api-Key', key)).status).toBe(200);
    const bearer = await api.http.get(SCHEDULES).set('Authorization', 'Bearer abc.def.ghi');
    expect(bearer.status).toBe(401);
    expect(bearer.headers['www-authenticate']).toMatch(/Bearer/);
    const missing = await api.http.get(SCHEDULES);
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('UNAUTHENTICATED');
    expect((await api.http.get(SCHEDULES).set('X-Dev-Actor', 'admin:12440300MB1B2345QN:440000')).status).toBe(401);
  });
});
