import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@vaxledger/event-store';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { until } from '../../../../test/support/until';
import { assessSync } from '../health/sync-health';
import { HistoryService } from '../history/history-service';
import { OutboxRelay } from '../relay/outbox-relay';
import { SyncStore } from '../sync-store';
import { HUB_PROVINCE } from '../topics';
import { HubRouter } from './hub-router';

// The hub's router and its history consumer report their standing with the broker as the inbox
// does, so /health on a hub can tell a stalled router from a quiet one.

const brokers = (): string[] => {
  const value = process.env.TEST_KAFKA_BROKERS;
  if (!value) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker (deploy/local/kafka)');
  return value.split(',');
};

describe('the hub router and history consumer links', () => {
  const kafka = new Kafka({ clientId: 'vx-hub-link-test', brokers: brokers(), logLevel: logLevel.NOTHING });
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 4 });
  pool.on('error', () => undefined);
  const prefix = `vxhublink-${randomUUID().slice(0, 8)}`;
  let store: PostgresEventStore;
  let relay: OutboxRelay;
  let router: HubRouter;
  let history: HistoryService;

  beforeAll(async () => {
    store = await PostgresEventStore.connect({
      connectionString: testDatabaseUrl(),
      schema: freshSchema('hublink'),
      engine: testDatabaseKind(),
      pollIntervalMs: 20,
    });
    const syncStore = new SyncStore(pool, freshSchema('hublink_sync'));
    await syncStore.migrate();
    relay = new OutboxRelay(kafka, store, syncStore, { provinceCode: HUB_PROVINCE, topicPrefix: prefix });
    router = new HubRouter(kafka, syncStore, { served: ['510000', '440000'], topicPrefix: prefix, groupId: `${prefix}-hub-router` });
    history = new HistoryService(
      kafka,
      store,
      syncStore,
      relay,
      { provinceCode: HUB_PROVINCE, mode: 'hub', peers: ['510000', '440000'], topicPrefix: prefix, groupId: `${prefix}-history` },
      router,
    );
  }, 60_000);

  afterAll(async () => {
    await history.stop();
    await router.stop();
    await store.close();
    await pool.end();
  }, 60_000);

  it('are not reported before they start, connected once the broker answers, stay so while idle, and read stopped after a stop', async () => {
    expect([router.started, history.started]).toEqual([false, false]);
    await router.start();
    await history.start();
    await until('router and history connected', () =>
      Promise.resolve(router.status().state === 'connected' && history.status().state === 'connected'),
    );
    // The hub's own relay is not started here (no backlog to judge); a hub reads every topic itself, no inbox.
    const health = await assessSync({ relay, inbox: { started: false, status: () => router.status() }, hub: router, history });
    expect(health).toMatchObject({ status: 'ok', problems: [], hubRouter: { state: 'connected' }, history: { state: 'connected' } });
    // Idle, each hears from the broker about every second (a fetch held open at most that long).
    let longestSilence = 0;
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 250));
      longestSilence = Math.max(longestSilence, router.status().silentSeconds ?? Infinity, history.status().silentSeconds ?? Infinity);
    }
    expect(longestSilence).toBeLessThan(2.5);
    await history.stop();
    await router.stop();
    expect([router.status().state, history.status().state]).toEqual(['stopped', 'stopped']);
  }, 90_000);
});
