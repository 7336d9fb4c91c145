import { randomUUID } from 'node:crypto';
import { type ApiHarness, startApi } from '../support/api-harness';
import { A } from '../support/federation-scenario';
import { sample } from '../support/metrics-text';

// /health's sync part where nothing is wrong and nothing is read: a node without peers runs
// only its relay; an API whose sync runs in the worker (SYNC_IN_API=off) says so, rather than
// "KAFKA_BROKERS unset".

const kafka = (): string => {
  const brokers = process.env.TEST_KAFKA_BROKERS;
  if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
  return brokers;
};

describe('/health of sync without peers, and with sync in the worker', () => {
  const nodes: ApiHarness[] = [];
  afterAll(async () => {
    for (const node of nodes) await node.close();
  }, 60_000);

  it('reports a connected relay with no backlog and no inbox when the node has no peers', async () => {
    const prefix = `vxhealth-${randomUUID().slice(0, 8)}`;
    const node = await startApi({ PROVINCE_CODE: A, KAFKA_BROKERS: kafka(), SYNC_TOPIC_PREFIX: prefix }, { syncGroupId: prefix });
    nodes.push(node);
    const res = await node.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      ready: true,
      sync: {
        status: 'ok',
        problems: [],
        relay: { state: 'connected', lastError: null, backlog: { events: 0, oldestRecordedAt: null, seconds: 0 } },
        inbox: null,
        origins: [],
      },
    });
    const text = (await node.http.get('/metrics')).text;
    expect(sample(text, 'vaxledger_sync_connected', { link: 'relay' })).toBe(1);
    expect(text).not.toMatch(/^vaxledger_sync_connected\{link="inbox"\}/m);
    expect(text).toMatch(/^vaxledger_sync_relay_backlog_events 0$/m);
  }, 60_000);

  it('says sync runs elsewhere when KAFKA_BROKERS is set but SYNC_IN_API=off', async () => {
    const node = await startApi({ PROVINCE_CODE: A, KAFKA_BROKERS: kafka(), SYNC_IN_API: 'off' });
    nodes.push(node);
    const res = await node.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', ready: true, sync: { enabled: true, inThisProcess: false } });
    expect((await node.http.get('/metrics')).text).not.toContain('vaxledger_sync_relay_backlog_events');
  }, 60_000);
});
