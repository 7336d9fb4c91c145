import { nodeApplication, nodeExecutor } from '../../../api/src/infrastructure/application';
import { AS, startApi, type ApiHarness } from '../../../../test/support/api-harness';
import { runDemo, type DemoSummary } from './demo';
import { handlerTarget } from './targets';

// The demo loader in process: it calls the node's use-case handlers directly (what
// `vaxledger demo` does when no node answers), with no HTTP on the write path. The reads
// below go through HTTP to show the sample is what an API caller sees.
describe('demo loader on the handlers', () => {
  let api: ApiHarness;
  let summary: DemoSummary;
  const lines: string[] = [];
  const target = () => handlerTarget(nodeApplication(api.runtime, nodeExecutor(api.runtime)), api.runtime.readModels, api.runtime.store);

  beforeAll(async () => {
    api = await startApi();
    summary = await runDemo({ target: target(), doses: 60, concurrency: 4, seed: 7, log: (line) => lines.push(line) });
    await api.settle();
  }, 180_000);
  afterAll(async () => {
    await api?.close();
  });

  it('loads the sample through the handlers', () => {
    expect(summary).toMatchObject({ organisations: 105, products: 10, batches: 50, doses: 60, recalls: 1 });
    expect(summary.receipts).toBe(summary.shipments);
    expect(summary.samplePersonId).toMatch(/^p1[a-z2-7]{26}$/);
    expect(lines[0]).toMatch(/organisations at this node, in process/);
    // In process the doses went through the bulk path (group commit), every one recorded.
    expect(lines.at(-1)).toMatch(/60 doses for \d+ persons \(\d+\/s, [\d.]+ ms CPU\/dose, bulk\)/);
  });

  it('leaves what the HTTP API reports: the recalled batch’s recipients', async () => {
    const impact = await api.http.get(`/v1/batches/${summary.recalledBatchId}/recipients`).set(AS.regulator);
    expect(impact.status).toBe(200);
    expect(impact.body.persons.length).toBe(summary.dosesFromRecalledBatch);
  });

  it('stops on the first refusal with the rule’s code', async () => {
    const failed: string[] = [];
    await expect(runDemo({ target: target(), doses: 10, concurrency: 1, seed: 7, log: (line) => failed.push(line) })).rejects.toMatchObject(
      {
        code: 'ORGANISATION_EXISTS',
      },
    );
    expect(failed.at(-2)).toMatch(/^demo: FAILED ORGANISATION_EXISTS /);
    expect(failed.at(-1)).toMatch(/already holds the demo/);
  });
});
