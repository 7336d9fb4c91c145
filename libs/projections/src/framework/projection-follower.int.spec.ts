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
