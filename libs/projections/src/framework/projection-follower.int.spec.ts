import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@vaxledger/event-store';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { ReadModels } from '../read-models';

// The projector in another thread or process (PROJECTOR=thread|worker): the API's runner
// applies nothing and learns positions from the checkpoints, so a wait for the position a
// write returned (read-your-writes) still resolves, and only once the read models have it.

describe('a runner that follows a projector running elsewhere', () => {
  let store: PostgresEventStore;
  let projector: ReadModels;
  let follower: ReadModels;
  const eventSchema = freshSchema('follow_ev');
  const readSchema = freshSchema('follow_rm');

  beforeAll(async () => {
    store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: eventSchema, pollIntervalMs: 10 });
    projector = await ReadModels.open(store, { connectionString: testDatabaseUrl(), schema: readSchema, poolSize: 2 });
    follower = await ReadModels.open(store, { connectionString: testDatabaseUrl(), schema: readSchema, poolSize: 2 });
    follower.runner.follow(5);
  });
  afterAll(async () => {
    await follower?.close();
    await projector?.close();
    await store?.close();
  });

  it('waits until the projector elsewhere has applied the position, then sees the write', async () => {
    const orgCode = '12510000MB0A1234XJ';
    const appended = await store.append(`org-${orgCode}`, [
      {
        eventId: randomUUID(),
        type: 'OrganisationRegistered',
        schemaVersion: 1,
        data: { orgCode, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' },
        metadata: { originProvince: '510000' },
      },
    ]);
    // Nothing applies the log yet: the follower's wait must not resolve.
    await expect(follower.runner.waitFor(appended.position, 200)).rejects.toMatchObject({ code: 'PROJECTION_LAG' });
    projector.runner.start();
    await follower.runner.waitFor(appended.position, 10_000);
    expect(follower.runner.lowestPosition >= appended.position).toBe(true);
    expect(await follower.organisation(orgCode)).toMatchObject({ orgCode, kind: 'cdc' });
  });
});

describe('a follower and a projector elsewhere that tell each other instead of polling', () => {
  const eventSchema = freshSchema('wake_ev');
  const readSchema = freshSchema('wake_rm');
  let writer: PostgresEventStore;
  let projectorStore: PostgresEventStore;
  let projector: ReadModels;
  let follower: ReadModels;
  const wakes: number[] = [];

  beforeAll(async () => {
    // Two store instances, as the API's and the projector thread's: the thread never sees the
    // API's appends locally, and its poll pause is long enough that only a wake can explain a
    // prompt catch-up.
    writer = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: eventSchema });
    projectorStore = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: eventSchema, pollIntervalMs: 60_000 });
    projector = await ReadModels.open(projectorStore, { connectionString: testDatabaseUrl(), schema: readSchema, poolSize: 2 });
    follower = await ReadModels.open(writer, { connectionString: testDatabaseUrl(), schema: readSchema, poolSize: 2 });
    // Both sides poll only every 60 s: a prompt answer needs the wake (follower → projector)
    // and the applied notice (projector → follower), as the API and its projector thread use.
    follower.runner.follow(60_000, () => {
      wakes.push(Date.now());
      projectorStore.wakeSubscriptions();
    });
    projector.runner.onApplied(() => follower.runner.checkNow());
    projector.runner.start();
    // Let the projector read the empty log and settle into its long pause.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  afterAll(async () => {
    await follower?.close();
    await projector?.close();
    await projectorStore?.close();
    await writer?.close();
  });

  it('answers a wait for a new write within seconds, not at a 60 s poll, and wakes only when a caller waits', async () => {
    const orgCode = '12510000MB0B1234XJ';
    const appended = await writer.append(`org-${orgCode}`, [
      {
        eventId: randomUUID(),
        type: 'OrganisationRegistered',
        schemaVersion: 1,
        data: { orgCode, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' },
        metadata: { originProvince: '510000' },
      },
    ]);
    expect(wakes).toHaveLength(0);
    await follower.runner.waitFor(appended.position, 10_000);
    expect(wakes.length).toBeGreaterThanOrEqual(1);
    expect(await follower.organisation(orgCode)).toMatchObject({ orgCode, kind: 'cdc' });
    // Already there: no wake.
    const before = wakes.length;
    await follower.runner.waitFor(appended.position, 1_000);
    expect(wakes).toHaveLength(before);
  });
});
