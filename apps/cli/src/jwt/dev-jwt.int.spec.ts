import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROLES } from '@vaxledger/domain';
import { startApi, type ApiHarness } from '../../../../test/support/api-harness';
import { initDevJwt, SAMPLE_CALLERS, signDevJwt } from './dev-jwt';

// `jwt init` / `jwt sign` against a real node in AUTH_MODE=jwt: the node started with the
// settings the command prints accepts a token of every role, as that role, and refuses a
// token signed by a key it does not know.

describe('the local JWT issuer for trying AUTH_MODE=jwt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vx-devjwt-'));
  const otherDir = mkdtempSync(join(tmpdir(), 'vx-devjwt-other-'));
  let api: ApiHarness;

  beforeAll(async () => {
    const files = await initDevJwt(dir);
    api = await startApi({ ...files.env });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(otherDir, { recursive: true, force: true });
  });

  it('keeps the private key to its owner and publishes only the public one', async () => {
    const again = await initDevJwt(dir);
    expect(again.created).toBe(false);
    expect(statSync(again.privateKeyFile).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(readFileSync(again.jwksFile, 'utf8')) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('signs a token the node accepts for every role, acting as that role', async () => {
    const statuses: Record<string, number> = {};
    for (const role of ROLES) {
      const token = await signDevJwt(dir, { role, ...SAMPLE_CALLERS[role] }, 600);
      const res = await api.http
        .post('/v1/organisations')
        .set('Authorization', `Bearer ${token}`)
        .send({ orgCode: '91350100M000100Y43', name: 'Fujian maker', kind: 'manufacturer', provinceCode: '350000' });
      statuses[role] = res.status;
    }
    // Only the national regulator registers a manufacturer; every other role is known (403), none is unauthenticated (401).
    expect(statuses).toEqual({ manufacturer: 403, cdc: 403, clinic: 403, regulator: 201, hub: 403, healthcode: 403 });
  });

  it('is refused when signed by another key', async () => {
    await initDevJwt(otherDir);
    const token = await signDevJwt(otherDir, { role: 'regulator', ...SAMPLE_CALLERS.regulator }, 600);
    const res = await api.http.get('/v1/organisations/12510000MB0A1234XJ').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
  });
});
