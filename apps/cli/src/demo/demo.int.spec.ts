import type { AddressInfo } from 'node:net';
import { AS, startApi, type ApiHarness } from '../../../../test/support/api-harness';
import { loadKurrentDb, PostgresEventStore } from '@vaxledger/event-store';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { startKurrentDbDouble } from '../../../../test/support/kurrentdb/kurrentdb-double';
import { exportLog, importLog, summariseStore } from '../store/store-transfer';
import { runDemo, type DemoSummary } from './demo';

// The demo loader, through real HTTP (global fetch), against the run's database.
//
// The in-memory PGlite behind pglite-socket mixes up the wire messages of concurrent connections
// ("bind message supplies 1 parameters, but prepared statement requires 3" → 500), so on PGlite
// the doses go one at a time; on a real PostgreSQL they go with the default 8 workers.
const CONCURRENCY = Number(process.env.DEMO_CONCURRENCY ?? 8);

describe('demo loader', () => {
  let api: ApiHarness;
  let baseUrl = '';
  let summary: DemoSummary;
  const lines: string[] = [];

  beforeAll(async () => {
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    summary = await runDemo({ baseUrl, doses: 300, concurrency: CONCURRENCY, log: (line) => lines.push(line) });
    console.log(
      `demo: 300 doses in ${summary.doseSeconds.toFixed(2)} s (${summary.dosesPerSecond.toFixed(0)}/s, ${CONCURRENCY} workers, ${testDatabaseKind()}); whole run ${summary.elapsedSeconds.toFixed(2)} s`,
    );
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
    expect(lines.some((line) => line.includes('doses 300/300'))).toBe(true);
  });

  it('lists the recipients of the recalled batch', async () => {
    const impact = await api.http.get(`/v1/batches/${summary.recalledBatchId}/recipients`).set(AS.regulator);
    expect(impact.status).toBe(200);
    expect(impact.body.persons.length).toBeGreaterThan(0);
    expect(impact.body.persons.length).toBe(summary.dosesFromRecalledBatch);
  });

  it('shows stock at a clinic', async () => {
    const clinic = summary.sampleClinicCode;
    const province = clinic.startsWith('51', 2) ? '510000' : '440000';
    const inventory = await api.http.get(`/v1/sites/${clinic}/inventory`).set({ 'X-Dev-Actor': `clinic:${clinic}:${province}` });
    expect(inventory.status).toBe(200);
    expect(inventory.body.batches.length).toBeGreaterThan(0);
    expect(inventory.body.batches).toEqual(expect.arrayContaining([expect.objectContaining({ available: expect.any(Number) })]));
  });

  it('moves the demo log PostgreSQL → KurrentDB (test double) → PostgreSQL with the same events, order and digest', async () => {
    const double = await startKurrentDbDouble();
    const kurrent = await (await loadKurrentDb()).KurrentDbEventStore.connect({ connectionString: double.url });
    const back = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('demo_back'),
      engine: testDatabaseKind(),
    });
    try {
      const lines = async function* (of: string[]): AsyncGenerator<string> {
        yield* of;
      };
      const first: string[] = [];
      const exported = await exportLog(api.runtime.store, async (line) => void first.push(line));
      expect(exported.events).toBeGreaterThan(summary.doses);
      expect(await importLog(kurrent, lines(first))).toMatchObject({ appended: exported.events, digest: exported.digest });
      const second: string[] = [];
      expect((await exportLog(kurrent, async (line) => void second.push(line))).digest).toBe(exported.digest);
      expect(await importLog(back, lines(second))).toMatchObject({ appended: exported.events, digest: exported.digest });
      const again = await summariseStore(back);
      expect(again.digest).toBe(exported.digest);
      expect(again.streams).toEqual(exported.streams);
    } finally {
      await back.close();
      await kurrent.close();
      await double.stop();
    }
  }, 120_000);

  it('stops on a refused request with its path, status and problem body', async () => {
    const failed: string[] = [];
    // Same seed: the organisations exist already, so the very first request is refused.
    await expect(runDemo({ baseUrl, doses: 10, concurrency: 2, log: (line) => failed.push(line) })).rejects.toThrow(
      /POST \/v1\/organisations answered 409/,
    );
    expect(failed.at(-2)).toMatch(/FAILED POST \/v1\/organisations → 409 \{.*"status":409/);
    expect(failed.at(-1)).toMatch(/already holds the demo .*new, empty DATA_DIR/);
  });
});
