import { type ApiHarness, ORGS, startApi } from '../../../../test/support/api-harness';
import { runApiKeysCommand, UsageError } from './api-keys';

// `npm run cli -- api-keys issue|revoke|list` on a node's real auth tables, and the key it
// prints used against the node's HTTP API.
describe('api-keys command', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  }, 60_000);
  afterAll(() => api?.close());

  const run = async (...args: string[]): Promise<{ code: number; lines: string[] }> => {
    const lines: string[] = [];
    const code = await runApiKeysCommand(api.runtime.auth, args, (line) => lines.push(line));
    return { code, lines };
  };

  it('issues a key once, lists it without the key, and revokes it', async () => {
    const issued = await run('issue', '--org', ORGS.maker, '--role', 'manufacturer', '--province', '320000', '--label', 'ERP docking');
    expect(issued.code).toBe(0);
    const keyId = /^key id: +([0-9a-f]{12})$/.exec(issued.lines[0]!)![1]!;
    const key = /^api key: (vxk_\S+)$/.exec(issued.lines[1]!)![1]!;
    const schedules = await api.http.get('/v1/value-sets/schedules').set('X-Api-Key', key);
    expect(schedules.status).toBe(200);

    const listed = await run('list');
    expect(listed.lines).toEqual([`${keyId}\t${ORGS.maker}\tmanufacturer\t320000\t-\tactive\tERP docking`]);
    expect(listed.lines.join('\n')).not.toContain(key.slice(-43));

    expect(await run('revoke', keyId)).toEqual({ code: 0, lines: [`revoked ${keyId}`] });
    expect((await api.http.get('/v1/value-sets/schedules').set('X-Api-Key', key)).status).toBe(401);
    expect(await run('revoke', keyId)).toEqual({ code: 1, lines: [`no live key ${keyId}`] });
    expect((await run('list')).lines[0]).toMatch(/\trevoked \d{4}-/);
  });

  it('refuses a bad organisation, role or province, issuing nothing', async () => {
    const before = (await api.runtime.auth.listApiKeys()).length;
    await expect(run('issue', '--org', 'ABC', '--role', 'manufacturer', '--province', '320000')).rejects.toThrow(UsageError);
    await expect(run('issue', '--org', ORGS.maker, '--role', 'admin', '--province', '320000')).rejects.toThrow(/--role must be one of/);
    await expect(run('issue', '--org', ORGS.maker, '--role', 'manufacturer', '--province', '32')).rejects.toThrow(/--province/);
    await expect(run('frobnicate')).rejects.toThrow(/unknown api-keys command/);
    expect(await api.runtime.auth.listApiKeys()).toHaveLength(before);
  });
});
