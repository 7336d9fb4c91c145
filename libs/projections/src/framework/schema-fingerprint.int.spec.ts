import { MemoryEventStore } from '@vaxledger/event-store';
import { DataSource } from 'typeorm';
import { freshSchema, testDatabaseUrl } from '../../../../test/support/database';
import { ReadModels } from '../read-models';

// Read models skip TypeORM's synchronize when their tables already match the entities (a
// digest stored beside them), and still synchronize a schema that is new or differs.

describe('read-model schema fingerprint', () => {
  const schema = freshSchema('rm_fp');
  const store = new MemoryEventStore();
  const synchronize = jest.spyOn(DataSource.prototype, 'synchronize');
  afterAll(() => synchronize.mockRestore());

  const open = () => ReadModels.open(store, { connectionString: testDatabaseUrl(), schema, poolSize: 2 });

  it('synchronizes a new schema once, then opens it without synchronizing', async () => {
    synchronize.mockClear();
    await (await open()).close();
    expect(synchronize).toHaveBeenCalledTimes(1);
    const again = await open();
    expect(synchronize).toHaveBeenCalledTimes(1);
    // The tables are there and usable.
    await expect(again.organisation('12510000MB0A1234XJ')).resolves.toBeNull();
    await again.close();
  });

  it('synchronizes again when the stored fingerprint differs from the entities', async () => {
    const models = await open();
    await models.dataSource.query(`UPDATE "${schema}".rm_schema_fingerprint SET fingerprint = 'older entities'`);
    await models.close();
    synchronize.mockClear();
    await (await open()).close();
    expect(synchronize).toHaveBeenCalledTimes(1);
  });
});
