import { startApi, type ApiHarness, AS, ORGS } from '../../../test/support/api-harness';
import { rebuildProjections } from './rebuild';

// `npm run cli -- projections rebuild <name|all>` on a node with data: the views after the
// rebuild are the views before it, and progress is reported.
describe('projection rebuild command', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi();
    for (const [orgCode, kind, provinceCode] of [
      [ORGS.maker, 'manufacturer', '320000'],
      [ORGS.cdc, 'cdc', '510000'],
    ] as const) {
      const res = await api.http.post('/v1/organisations').set(AS.regulator).send({ orgCode, name: orgCode, kind, provinceCode });
      if (res.status !== 201) throw new Error(JSON.stringify(res.body));
    }
    await api.settle();
  }, 60_000);
  afterAll(() => api?.close());

  it('replays the log into emptied read models and ends where it started', async () => {
    await api.runtime.readModels.runner.stop();
    const before = await api.runtime.readModels.organisation(ORGS.cdc);
    const lines: string[] = [];
    await rebuildProjections(api.runtime, ['master-data'], (line) => lines.push(line));
    expect(await api.runtime.readModels.organisation(ORGS.cdc)).toEqual(before);
    expect(lines.at(-1)).toMatch(/^rebuilt master-data from \d+ events in [\d.]+ s \(\d+ events\/s\); now at position \d+$/);
  });

  it('refuses an unknown projection by name, listing the known ones', async () => {
    await expect(rebuildProjections(api.runtime, ['nonsense'], () => undefined)).rejects.toThrow(
      /unknown projection nonsense; known: all, master-data/,
    );
  });
});
