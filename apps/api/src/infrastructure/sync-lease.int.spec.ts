import { randomBytes, randomUUID } from 'node:crypto';
import { loadSettings, type Settings } from '@vaxledger/config';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { type NodeRuntime, openNodeRuntime } from './node-runtime';

// An API and a sync worker of one node share its database: only one of them may run sync,
// or both would relay the log and answer history requests. SYNC_IN_API=off hands sync over.
describe('one sync process per node', () => {
  const run = randomUUID().slice(0, 8);
  const schemas = {
    eventSchema: freshSchema('lease_es'),
    readSchema: freshSchema('lease_rm'),
    vaultSchema: freshSchema('lease_vault'),
    authSchema: freshSchema('lease_auth'),
    syncSchema: freshSchema('lease_sync'),
  };
  const settingsWith = (env: Record<string, string>): Settings => ({
    ...loadSettings({
      KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS ?? '',
      SYNC_TOPIC_PREFIX: `vxlease-${run}`,
      SYNC_PEERS: '440000',
      LOG_LEVEL: 'silent',
      ...env,
    }),
    databaseUrl: testDatabaseUrl(),
    vaultMasterKey: randomBytes(32),
  });
  const opened: NodeRuntime[] = [];
  afterAll(async () => {
    for (const runtime of opened.reverse()) await runtime.close();
  }, 60_000);

  it('refuses a second process that would run sync, and lets an API with SYNC_IN_API=off start beside it', async () => {
    const worker = await openNodeRuntime(settingsWith({}), { ...schemas, projector: false, sync: true });
    opened.push(worker);
    expect(worker.sync).not.toBeNull();

    await expect(openNodeRuntime(settingsWith({}), { ...schemas, syncLeaseWaitMs: 300 })).rejects.toMatchObject({
      code: 'SYNC_ALREADY_RUNNING',
      message: expect.stringContaining('set SYNC_IN_API=off on the API') as unknown,
    });

    const api = await openNodeRuntime(settingsWith({ SYNC_IN_API: 'off' }), schemas);
    opened.push(api);
    expect(api.sync).toBeNull();
  }, 90_000);

  it('hands sync over when the holder stops', async () => {
    const holder = opened.shift()!;
    await holder.close();
    const next = await openNodeRuntime(settingsWith({}), { ...schemas, projector: false, sync: true, syncLeaseWaitMs: 5_000 });
    opened.push(next);
    expect(next.sync).not.toBeNull();
  }, 90_000);
});
