import type { AddressInfo } from 'node:net';
import { AS, startApi, type ApiHarness } from '../../../../test/support/api-harness';
import { runDemo, type DemoSummary } from './demo';

// The demo loader, through real HTTP, against the run's database.

describe('demo loader', () => {
  let api: ApiHarness;
  let summary: DemoSummary;
  const lines: string[] = [];

  beforeAll(async () => {
    api = await startApi(process.env.DEMO_LOG ? { LOG_LEVEL: process.env.DEMO_LOG } : {});
    await api.app.listen(0, '127.0.0.1');
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    summary = await runDemo({
      baseUrl: `http://127.0.0.1:${port}`,
      doses: 300,
      concurrency: Number(process.env.DEMO_C ?? 8),
      log: (line) => lines.push(line),
    });
    await api.settle();
  }, 180_000);
  afterAll(async () => {
    await api?.close();
  });

  it('loads the whole sample and reports it', () => {
    expect(summary).toMatchObject({
      organisations: 105,
      manufacturers: 3,
      cdcs: 2,
      clinics: 100,
      products: 10,
      batches: 50,
      doses: 300,
      recalls: 1,
    });
    expect(summary.receipts).toBe(summary.shipments);
    expect(summary.shipments).toBeGreaterThan(50);
    expect(summary.persons + summary.secondDoses).toBe(300);
    expect(summary.secondDoses / summary.persons).toBeGreaterThan(0.2);
    expect(summary.samplePersonId).toMatch(/^p1[a-z2-7]{26}$/);
    expect(summary.dosesFromRecalledBatch).toBeGreaterThan(0);
    expect(lines.some((line) => /doses 300\/300/.test(line))).toBe(true);
  });

  it('lists the recipients of the recalled batch', async () => {
    const impact = await api.http.get(`/v1/batches/${summary.recalledBatchId}/recipients`).set(AS.regulator);
    expect(impact.status).toBe(200);
    expect(impact.body.persons.length).toBe(summary.dosesFromRecalledBatch);
    expect(impact.body.persons.length).toBeGreaterThan(0);
  });

  it('shows stock at a clinic', async () => {
    const clinic = summary.sampleClinicCode;
    const province = clinic.slice(2, 4) === '51' ? '510000' : '440000';
    const inventory = await api.http.get(`/v1/sites/${clinic}/inventory`).set({ 'X-Dev-Actor': `clinic:${clinic}:${province}` });
    expect(inventory.status).toBe(200);
    expect(inventory.body.batches.length).toBeGreaterThan(0);
    expect(inventory.body.batches).toEqual(expect.arrayContaining([expect.objectContaining({ available: expect.any(Number) })]));
  });

  it('refuses nothing silently: a refused request stops the demo with its path, status and problem', async () => {
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    const failed: string[] = [];
    // Same seed: the organisations exist already, so the first request is refused.
    await expect(
      runDemo({ baseUrl: `http://127.0.0.1:${port}`, doses: 10, concurrency: 2, log: (line) => failed.push(line) }),
    ).rejects.toThrow(/POST \/v1\/organisations answered 409/);
    expect(failed.at(-1)).toMatch(/FAILED POST \/v1\/organisations → 409 \{.*"status":409/);
  });
});
