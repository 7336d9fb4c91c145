import { residentIdCheckChar } from '@vaxledger/domain';
import { AS, ORGS, type ApiHarness, startApi } from '../support/api-harness';
import { whileAuditRefused } from '../support/audit-refusal';
import { detailsOf } from '../support/person-details';
import { stockClinic } from '../support/scenario';
import { until } from '../support/until';

// The AEFI queue (GET /v1/aefi) and its overdue part (GET /v1/aefi/overdue) over real
// PostgreSQL: paged and sorted by the API like every other list, and, since each report ties a
// person to a health event, every person a page shows is in the access trail before the page
// is answered (one PersonRecordRead per person, as the read of one report writes it).

const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();
const idNumber = (seq: number): string => {
  const first17 = `51010419900307${String(100 + seq).padStart(3, '0')}`;
  return first17 + residentIdCheckChar(first17);
};
const PERSONS = [0, 1, 2, 3].map((i) => ({ idType: 'RESIDENT_ID', idNumber: idNumber(i), name: `测试${i}`, ...detailsOf(idNumber(i)) }));

interface QueueItem {
  readonly reportId: string;
  readonly personId: string;
  readonly deadlineAt: string;
  readonly discoveredAt: string;
  readonly overdue: boolean;
}
interface LoggedEvent {
  readonly type: string;
  readonly data: { personId?: string; purpose?: string };
  readonly metadata: { actor?: { orgCode?: string; staffRef?: string } };
}

describe('the AEFI queue, paged and audited', () => {
  let api: ApiHarness;
  let clockMs = Date.now();
  const clock = (): string => new Date(clockMs).toISOString();
  /** personId of each of PERSONS. */
  const personIds: string[] = [];

  /** Access events in the log, read from the store itself (not through a projection). */
  const reads = async (): Promise<LoggedEvent[]> => {
    const latest = await api.runtime.store.latestPosition();
    await until('the log reader to see every committed event', async () => (await api.runtime.store.headPosition()) >= latest, 10_000, 20);
    const all = await api.runtime.store.readAll({ after: 0n, limit: 100_000 });
    return all.filter((e) => e.type === 'PersonRecordRead') as unknown as LoggedEvent[];
  };
  const readsDuring = async (call: () => Promise<unknown>): Promise<LoggedEvent[]> => {
    const before = (await reads()).length;
    await call();
    return (await reads()).slice(before);
  };

  beforeAll(async () => {
    api = await startApi({}, { clock });
    const { batchId } = await stockClinic(api, { lot: 'AEFIQ1', quantity: 6 });
    const doses: string[] = [];
    for (const person of PERSONS) {
      const res = await api.http
        .post('/v1/doses')
        .set(AS.clinic)
        .send({ person, batchId, doseNumber: 1, administeredAt: hoursAgo(30), route: 'IM', vaccinatorRef: 'V-1' });
      if (res.status !== 201) throw new Error(`dose: ${res.status} ${JSON.stringify(res.body)}`);
      personIds.push(String(res.body.id));
      doses.push((res.body.eventIds as string[]).at(-1)!);
    }
    await api.settle();
    // Five reports about four people (the first twice); serious ones run on the 2-hour clock.
    const reports: [person: number, discoveredHoursAgo: number, serious: boolean][] = [
      [0, 1, true],
      [1, 5, false],
      [2, 2, false],
      [0, 3, false],
      [3, 1.5, true],
    ];
    for (const [person, discovered, serious] of reports) {
      const res = await api.http
        .post('/v1/aefi')
        .set(AS.clinic)
        .send({
          person: { idType: 'RESIDENT_ID', idNumber: PERSONS[person]!.idNumber },
          doseEventIds: [doses[person]],
          discoveredAt: hoursAgo(discovered),
          onsetAt: hoursAgo(24),
          signs: ['fever_38_5'],
          serious,
          cluster: false,
          outcome: 'recovering',
        });
      if (res.status !== 201) throw new Error(`aefi: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await api.settle();
  }, 120_000);
  afterAll(() => api?.close());

  const page = async (
    path: string,
    as: Record<string, string> = AS.cdc,
  ): Promise<{ items: QueueItem[]; total: number; overdue: number }> => {
    const res = await api.http.get(path).set(as);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res.body as { items: QueueItem[]; total: number; overdue: number };
  };

  it('pages the queue earliest deadline first by default, every report once, with the shared contract', async () => {
    const first = await api.http.get('/v1/aefi?pageSize=2').set(AS.cdc);
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, total: 5, overdue: 0, asOf: clock() });
    const seen: QueueItem[] = [...(first.body.items as QueueItem[])];
    for (const n of [2, 3]) seen.push(...(await page(`/v1/aefi?pageSize=2&page=${n}`)).items);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((r) => r.reportId)).size).toBe(5);
    const deadlines = seen.map((r) => Date.parse(r.deadlineAt));
    expect(deadlines).toEqual([...deadlines].sort((a, b) => a - b));
    // The two serious reports (2-hour clock) come first, the one discovered 1.5 h ago before the other.
    expect(seen.slice(0, 2).map((r) => r.personId)).toEqual([personIds[3], personIds[0]]);
    expect((await page('/v1/aefi?pageSize=2&page=4')).items).toEqual([]);

    const byDiscovery = (await page('/v1/aefi?sort=discoveredAt&order=desc')).items.map((r) => Date.parse(r.discoveredAt));
    expect(byDiscovery).toEqual([...byDiscovery].sort((a, b) => b - a));
  });

  it('refuses an unknown sort, a page size over 100 and an undeclared parameter (400), recording nothing', async () => {
    const added = await readsDuring(async () => {
      for (const query of ['sort=personId', 'pageSize=101', 'page=0', 'status=open']) {
        const res = await api.http.get(`/v1/aefi?${query}`).set(AS.cdc);
        expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
      }
    });
    expect(added).toEqual([]);
  });

  it('records one read per person a page shows, before answering, with the purpose and staff reference given', async () => {
    let shown: QueueItem[] = [];
    const added = await readsDuring(async () => {
      const res = await api.http.get('/v1/aefi?pageSize=3').set(AS.cdc).set('X-Staff-Ref', 'EPI-3');
      expect(res.status).toBe(200);
      shown = res.body.items as QueueItem[];
    });
    const persons = [...new Set(shown.map((r) => r.personId))];
    expect(added.map((e) => e.data.personId).sort()).toEqual([...persons].sort());
    for (const event of added) {
      expect(event.data.purpose).toBe('public_health');
      expect(event.metadata.actor).toMatchObject({ orgCode: ORGS.cdc, staffRef: 'EPI-3' });
    }
    // A page only shows what it shows: the other people are not in the trail for it.
    expect(persons.length).toBeLessThan(personIds.length);

    const regulatorReads = await readsDuring(async () => {
      const res = await api.http.get('/v1/aefi?pageSize=100&page=2').set(AS.regulator).set('X-Purpose-Of-Use', 'oversight');
      expect(res.body.items).toEqual([]);
    });
    expect(regulatorReads).toEqual([]);
  });

  it('records a person shown twice on a page (two reports) once', async () => {
    let shown: QueueItem[] = [];
    const added = await readsDuring(async () => {
      shown = (await page('/v1/aefi?pageSize=100', AS.regulator)).items;
    });
    expect(shown.filter((r) => r.personId === personIds[0])).toHaveLength(2);
    expect(added.map((e) => e.data.personId).sort()).toEqual([...personIds].sort());
  });

  it('pages and audits the overdue reports alike, and counts them in the queue', async () => {
    clockMs += 90 * 60_000; // the 2-hour clocks of both serious reports have run out
    expect(await page('/v1/aefi?pageSize=1')).toMatchObject({ total: 5, overdue: 2 });
    let shown: QueueItem[] = [];
    const added = await readsDuring(async () => {
      const overdue = await page('/v1/aefi/overdue?pageSize=1&page=2');
      expect(overdue).toMatchObject({ total: 2, overdue: 2, page: 2, pageSize: 1 });
      shown = overdue.items;
    });
    expect(shown).toEqual([expect.objectContaining({ personId: personIds[0], overdue: true })]);
    expect(added.map((e) => e.data.personId)).toEqual([personIds[0]]);
    // Another province's CDC sees none of them, and nobody is recorded for it.
    const elsewhere = await readsDuring(async () => {
      expect(await page('/v1/aefi/overdue', { 'X-Dev-Actor': 'cdc:12440000MB0D00028M:440000' })).toMatchObject({ items: [], total: 0 });
    });
    expect(elsewhere).toEqual([]);
  });

  it('answers no page when the access trail cannot be written (503), and answers again once it can', async () => {
    await whileAuditRefused(api, async () => {
      for (const path of ['/v1/aefi', '/v1/aefi/overdue']) {
        const res = await api.http.get(path).set(AS.cdc);
        expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 503, code: 'AUDIT_UNAVAILABLE' });
        for (const personId of personIds) expect(res.text).not.toContain(personId);
      }
    });
    expect((await page('/v1/aefi')).total).toBe(5);
  });
});
