import type { RecordDoseCommand } from '@vaxledger/application';
import type { KurrentDbEventStore } from '@vaxledger/event-store';
import { nodeApplication, nodeExecutor } from '../../apps/api/src/infrastructure/application';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { type KurrentDbDouble, startKurrentDbDouble } from '../support/kurrentdb/kurrentdb-double';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';
import { detailsOf } from '../support/person-details';

// Doses on a node whose log is in KurrentDB, with the guard rows in PostgreSQL (ADR 0029):
// no site lock and no projector wait, and still no unit given twice and no dose after a recall.

const LOT = 'KDBGUARD1';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const residentId = (n: number): string => {
  const body = `51010419900 4${String(1 + (n % 28)).padStart(2, '0')}${String(Math.floor(n / 28) % 1000).padStart(3, '0')}`.replace(
    ' ',
    '',
  );
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
};
const dose = (n: number): RecordDoseCommand => ({
  person: { idType: 'RESIDENT_ID', idNumber: residentId(n), name: `受种者${n}`, ...detailsOf(residentId(n)) },
  batchId: BATCH,
  doseNumber: 1,
  administeredAt: new Date(Date.now() - 3_600_000).toISOString(),
  route: 'IM',
  vaccinatorRef: 'V',
});
const actor = { orgCode: ORGS.clinic, role: 'clinic' as const, provinceCode: '440000', siteCode: ORGS.clinic };
const codeOf = (r: PromiseSettledResult<unknown>): string =>
  r.status === 'fulfilled' ? 'recorded' : String((r.reason as { code?: string }).code);

describe('doses with the log in KurrentDB and guard rows in PostgreSQL', () => {
  const realServer = process.env.KURRENTDB_URL;
  let double: KurrentDbDouble | null = null;
  let api: ApiHarness;
  let lockedSites = 0;
  const firstStreams: string[] = [];

  beforeAll(async () => {
    if (!realServer) double = await startKurrentDbDouble();
    api = await startApi({}, { kurrentdbUrl: realServer ?? double!.url });
    const run = api.runtime.siteLocks.run.bind(api.runtime.siteLocks);
    api.runtime.siteLocks.run = ((site: string, work: () => Promise<unknown>) => {
      lockedSites++;
      return run(site, work);
    }) as typeof api.runtime.siteLocks.run;
    await stockClinic(api, { lot: LOT, quantity: 60 });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await double?.stop();
  });

  const stock = async (): Promise<number | undefined> =>
    (await (api.runtime.store as unknown as KurrentDbEventStore).guardFacts(ORGS.clinic, BATCH, null)).stock?.available;

  it('counts the guard rows the sweeper settles and prunes in /metrics', async () => {
    const count = async (outcome: string): Promise<number> =>
      Number(
        new RegExp(`vaxledger_kurrentdb_guard_rows_total\\{outcome="${outcome}"\\} (\\d+)`).exec(
          (await api.http.get('/metrics')).text,
        )?.[1],
      );
    const before = { released: await count('released'), confirmed: await count('confirmed'), pruned: await count('pruned') };
    expect(Object.values(before).every(Number.isInteger)).toBe(true);
    api.runtime.activity.emit('guardUpkeep', { released: 1, confirmed: 0, pruned: 2 });
    expect(await count('released')).toBe(before.released + 1);
    expect(await count('confirmed')).toBe(before.confirmed);
    expect(await count('pruned')).toBe(before.pruned + 2);
  });

  it('runs on KurrentDB with guards', () => {
    expect(api.runtime.store.capabilities).toMatchObject({ adapter: 'kurrentdb', guards: true });
  });

  it('gives the last 50 units to exactly 50 of 200 concurrent doses; the others are INSUFFICIENT_STOCK', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    // A dose right after the receipt: its stock reaches the rows through the log reader.
    for (let n = 0; n < 10; n++) firstStreams.push((await app.recordDose.handle(dose(n), actor, { correlationId: `first-${n}` })).streamId);
    expect(await stock()).toBe(50);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, k) => app.recordDose.handle(dose(100 + k), actor, { correlationId: `race-${k}` })),
    );
    const codes = results.map(codeOf);
    expect(codes.filter((c) => c === 'recorded')).toHaveLength(50);
    expect(codes.filter((c) => c !== 'recorded')).toEqual(Array.from({ length: 150 }, () => 'INSUFFICIENT_STOCK'));
    expect(await stock()).toBe(0);
    await api.runtime.readModels.runner.waitFor(await api.runtime.store.latestPosition(), 30_000);
    expect((await api.runtime.readModels.stockAt(ORGS.clinic, BATCH))?.available).toBe(0);
    // Neither the per-site lock nor the read-model check of ADR 0004 was used.
    expect(lockedSites).toBe(0);
  }, 180_000);

  it('gives a unit back on entered-in-error, and refuses a dose from it right after a committed recall', async () => {
    const app = nodeApplication(api.runtime, nodeExecutor(api.runtime));
    await api.runtime.readModels.runner.waitFor(await api.runtime.store.latestPosition(), 30_000);
    const given = (await api.runtime.store.readStream(firstStreams[0]!)).find((e) => e.type === 'DoseAdministered')!;
    const voided = await api.http
      .post(`/v1/doses/${given.eventId}/entered-in-error`)
      .set(AS.clinic)
      .send({ reasonCode: 'duplicate_entry' });
    expect(voided.status).toBe(201);
    // The unit comes back when the log reader has seen the void.
    expect(await (api.runtime.store as unknown as KurrentDbEventStore).guardsCatchUp()).toBe(true);
    expect(await stock()).toBe(1);
    const recall = await api.http
      .post('/v1/recalls')
      .set(AS.maker)
      .send({
        batchIds: [BATCH],
        kind: 'recall',
        level: 1,
        initiation: 'voluntary',
        reasonCode: 'quality_defect',
        reasonText: 'potency below specification',
        effectiveAt: new Date(Date.now() - 60_000).toISOString(),
        actions: ['stop_use'],
        personFollowUp: 'notify',
      });
    expect(recall.status).toBe(201);
    await expect(app.recordDose.handle(dose(900), actor, { correlationId: 'after-recall' })).rejects.toMatchObject({
      code: 'BATCH_RECALLED',
    });
    expect(await stock()).toBe(1);
  }, 60_000);
});
