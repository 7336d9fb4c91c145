import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiHarness, startApi } from '../support/api-harness';
import { A, AS_A, B, custodyAt, daysAgo, FEDERATION_CUSTODY, federationSupplyChain, postTo as post } from '../support/federation-scenario';
import { sample } from '../support/metrics-text';
import { until } from '../support/until';

// The operator's audit: with the Kafka broker stopped and a dose recorded in A, /health must not
// keep saying `ok` with a frozen lag. Two provinces on a broker of this test's own
// (deploy/local/kafka on another port, as broker-restart.e2e does), which it stops and starts.
// B judges its links by shorter limits (SYNC_HEALTH_*_S) than A's defaults.

const ROOT = join(__dirname, '..', '..');
const port = 19200 + Math.floor(Math.random() * 400) * 2;
const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_RUN_DIR: mkdtempSync(join(tmpdir(), 'vx-kafka-health-')) };
const broker = (command: 'start' | 'stop'): void => {
  execFileSync('bash', [join(ROOT, 'deploy/local/kafka'), command], { env, stdio: 'ignore', timeout: 120_000 });
};

interface Link {
  state: string;
  since: string;
  lastError: string | null;
  silentSeconds: number | null;
}
interface Health {
  status: string;
  ready: boolean;
  sync: {
    status: string;
    problems: string[];
    relay: Link & { backlog: { events: number; oldestRecordedAt: string | null; seconds: number } | null };
    inbox: Link | null;
    history: Link | null;
    origins: { origin: string; upTo: string | null; lagSeconds: number | null; transitSeconds: number | null }[];
  };
}

describe('/health and /metrics while the Kafka broker is down', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let batchId = '';

  const health = async (node: ApiHarness): Promise<{ code: number; body: Health }> => {
    const res = await node.http.get('/health');
    return { code: res.status, body: res.body as Health };
  };
  const metrics = async (node: ApiHarness): Promise<string> => (await node.http.get('/metrics')).text;

  beforeAll(async () => {
    broker('start');
    const kafka = `127.0.0.1:${port}`;
    const prefix = `vxhealth-${randomUUID().slice(0, 8)}`;
    a = await startApi(
      { PROVINCE_CODE: A, SYNC_PEERS: B, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
      { syncGroupId: `${prefix}-a` },
    );
    b = await startApi(
      {
        PROVINCE_CODE: B,
        SYNC_PEERS: A,
        KAFKA_BROKERS: kafka,
        SYNC_TOPIC_PREFIX: prefix,
        SYNC_HEALTH_SILENT_AFTER_S: '5',
        SYNC_HEALTH_STALE_AFTER_S: '5',
      },
      { syncGroupId: `${prefix}-b` },
    );
    batchId = (await federationSupplyChain({ a, b }, { lot: 'H2026D' })).batchId;
    await until('the chain in B', async () => (await custodyAt(b, batchId)).length === FEDERATION_CUSTODY.length, 120_000);
  }, 300_000);

  afterAll(async () => {
    // Back up first (the test may have failed while it was down), so the nodes stop cleanly.
    try {
      broker('start');
    } catch {
      // already running
    }
    await a?.close();
    await b?.close();
    broker('stop');
  }, 180_000);

  it('says ok with both links connected, no backlog and a lag that stays small while the broker is up', async () => {
    await until('A and B current', async () => {
      const [ha, hb] = [await health(a), await health(b)];
      return (
        ha.body.sync.relay.backlog?.events === 0 && hb.body.sync.inbox?.state === 'connected' && ha.body.sync.inbox?.state === 'connected'
      );
    });
    // Nothing new arrives for a few seconds: the lag does not grow while the broker answers.
    await new Promise((r) => setTimeout(r, 4000));
    const { code, body } = await health(b);
    expect(code).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      ready: true,
      sync: { status: 'ok', problems: [], relay: { state: 'connected' }, inbox: { state: 'connected' }, history: { state: 'connected' } },
    });
    // A province has no hub router to report.
    expect(body.sync).not.toHaveProperty('hubRouter');
    const fromA = body.sync.origins.find((o) => o.origin === A)!;
    expect(fromA.upTo).toEqual(expect.any(String));
    expect(fromA.transitSeconds).toEqual(expect.any(Number));
    expect(fromA.lagSeconds).toBeLessThan(3);
    const text = await metrics(a);
    expect(sample(text, 'vaxledger_sync_connected', { link: 'relay' })).toBe(1);
    expect(sample(text, 'vaxledger_sync_connected', { link: 'inbox' })).toBe(1);
    expect(sample(text, 'vaxledger_sync_connected', { link: 'history' })).toBe(1);
    expect(text).not.toMatch(/^vaxledger_sync_connected\{link="hub-router"\}/m);
    expect(sample(text, 'vaxledger_sync_relay_backlog_events')).toBe(0);
    expect(text).toMatch(/^vaxledger_sync_relay_backlog_seconds 0$/m);
  }, 60_000);

  it('reads degraded (still 200, ready) with the backlog, the links retrying and a growing lag; recovers when the broker returns', async () => {
    broker('stop');
    const stoppedAt = Date.now();
    const dose = await post(a, '/v1/doses', AS_A.clinic, {
      person: { idType: 'RESIDENT_ID', idNumber: '440305198805121237', name: '陈六', birthDate: '1988-05-12', sex: 'M' },
      batchId,
      doseNumber: 1,
      administeredAt: daysAgo(0),
      route: 'IM',
      vaccinatorRef: 'V-A',
    });
    // The dose waits in A's log: counted at once, its age growing.
    const first = await health(a);
    const waiting = first.body.sync.relay.backlog!.events;
    expect(waiting).toBeGreaterThanOrEqual(1);

    // B, on 5 s limits, reads its silent inbox as a problem after 5 s of silence (retrying since
    // its last contact, for over 5 s); A's defaults need over 15 s.
    let firstOfB: Health | null = null;
    await until(
      'B degraded by its own limits',
      async () => {
        const { body } = await health(b);
        if (body.sync.problems.some((p) => p.startsWith('inbox '))) firstOfB = body;
        return firstOfB !== null;
      },
      60_000,
      250,
    );
    expect(firstOfB!.sync.inbox!.silentSeconds).toBeLessThan(12);
    // Both inboxes past their own limits (B's 5 s comes long before A's 15 s) and A's relay
    // stuck, in one reading of each node, which the checks below then look at.
    let ha = await health(a);
    let hb = await health(b);
    const inboxProblem = (h: { body: Health }): boolean => h.body.sync.problems.some((p) => p.startsWith('inbox '));
    await until(
      'A and B degraded, both inboxes past their limits',
      async () => {
        [ha, hb] = [await health(a), await health(b)];
        return ha.body.sync.problems.some((p) => p.startsWith('relay ')) && inboxProblem(ha) && inboxProblem(hb);
      },
      120_000,
      1000,
    );
    // Retrying for a while: A on its defaults, B on its 5 s.
    for (const [h, staleAfterMs] of [
      [ha, 10_000],
      [hb, 5_000],
    ] as const) {
      expect(h.code).toBe(200);
      expect(h.body.ready).toBe(true);
      expect(h.body.sync.status).toBe('degraded');
      expect(['retrying', 'crashed']).toContain(h.body.sync.inbox?.state);
      expect(Date.parse(h.body.sync.inbox!.since)).toBeLessThanOrEqual(Date.now() - staleAfterMs);
      expect(h.body.sync.problems.some((p) => p.startsWith('inbox '))).toBe(true);
      // The history consumer is as silent as the inbox.
      expect(['retrying', 'crashed']).toContain(h.body.sync.history?.state);
    }
    // A's relay could not publish the dose.
    expect(ha.body.sync.relay.state).toBe('retrying');
    expect(ha.body.sync.relay.lastError).toEqual(expect.any(String));
    expect(ha.body.sync.relay.backlog).toMatchObject({ events: waiting, oldestRecordedAt: expect.any(String) });
    expect(ha.body.sync.relay.backlog!.seconds).toBeGreaterThan(15);
    expect(ha.body.sync.problems.some((p) => p.startsWith('relay retrying') && p.includes(`${waiting} own events unpublished`))).toBe(true);
    // B's lag of A grows with the silence instead of keeping the value of the last import.
    const lagOfA = (h: { body: Health }): number => h.body.sync.origins.find((o) => o.origin === A)!.lagSeconds!;
    expect(lagOfA(hb)).toBeGreaterThan((Date.now() - stoppedAt) / 1000 - 2);
    await new Promise((r) => setTimeout(r, 2000));
    expect(lagOfA(await health(b))).toBeGreaterThan(lagOfA(hb) + 1.5);

    const [ma, mb] = [await metrics(a), await metrics(b)];
    expect(sample(ma, 'vaxledger_sync_connected', { link: 'relay' })).toBe(0);
    expect(sample(ma, 'vaxledger_sync_connected', { link: 'inbox' })).toBe(0);
    expect(sample(ma, 'vaxledger_sync_connected', { link: 'history' })).toBe(0);
    expect(sample(ma, 'vaxledger_sync_relay_backlog_events')).toBe(waiting);
    expect(sample(ma, 'vaxledger_sync_relay_backlog_seconds')).toBeGreaterThan(15);
    expect(sample(mb, 'vaxledger_sync_lag_seconds', { origin: A })).toBeGreaterThan(15);
    expect(sample(mb, 'vaxledger_sync_broker_silence_seconds')).toBeGreaterThan(10);

    broker('start');
    await until('the dose in B', async () => (await b.runtime.readModels.doses(String(dose.id))).length === 1, 120_000, 500);
    await until(
      'A and B ok again',
      async () => {
        const [ra, rb] = [await health(a), await health(b)];
        return (
          ra.body.status === 'ok' &&
          rb.body.status === 'ok' &&
          ra.body.sync.relay.state === 'connected' &&
          ra.body.sync.history?.state === 'connected' &&
          rb.body.sync.history?.state === 'connected'
        );
      },
      60_000,
      500,
    );
    const after = await health(a);
    expect(after.body.sync.relay.backlog).toMatchObject({ events: 0, oldestRecordedAt: null, seconds: 0 });
    expect(lagOfA(await health(b))).toBeLessThan(3);
  }, 400_000);
});
