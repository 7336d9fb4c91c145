import { randomUUID } from 'node:crypto';
import { freshSchema, testDatabaseKind, testDatabaseUrl } from '../../../../test/support/database';
import { EventIdConflictError, StoreUnavailableError, StreamConflictError } from '../errors';
import type { NewEvent } from '../event-store.port';
import { PostgresEventStore } from './postgres-event-store';
import { LateStatementError } from './postgres-transaction';

// StoreTransaction.commitWith: a transaction's last statements leave with its COMMIT. What it
// must keep from the ordinary commit: all or nothing, a refused append refusing the whole
// transaction (its COMMIT is already on the way when the refusal comes back), and no statement
// ever running after the COMMIT, outside the transaction. Run on the run's engine: pipelined on
// PostgreSQL, one statement after another on PGlite.

const kind = testDatabaseKind();

const event = (type = 'Noted', data: Record<string, unknown> = {}): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: {},
});

describe(`StoreTransaction.commitWith (${kind})`, () => {
  let store: PostgresEventStore;
  let side: string;

  beforeAll(async () => {
    store = await PostgresEventStore.connect({ connectionString: testDatabaseUrl(), schema: freshSchema('cw'), engine: kind });
    side = `${store.schemaName}.side_rows`;
    await store.withClient((c) => c.query(`CREATE TABLE ${side} (id text PRIMARY KEY)`));
  });
  afterAll(async () => {
    await store?.close();
  });

  const sideRows = async (): Promise<string[]> =>
    (await store.withClient((c) => c.query<{ id: string }>(`SELECT id FROM ${side} ORDER BY id`))).rows.map((r) => r.id);
  const insertSide = (id: string): string => `INSERT INTO ${side} (id) VALUES ('${id}')`;

  beforeEach(async () => {
    await store.withClient((c) => c.query(`DELETE FROM ${side}`));
  });

  it('commits the statements it is given with the transaction’s reads before them', async () => {
    const stream = `note-${randomUUID()}`;
    const first = event();
    const result = await store.transaction(async (tx) => {
      const history = await tx.readStream(stream);
      expect(history).toEqual([]);
      return tx.commitWith!(() => Promise.all([tx.query(insertSide('a')), tx.append(stream, [first], { expected: 'no-stream' })]));
    });
    expect(result[1].revision).toBe(0);
    expect((await store.readStream(stream)).map((e) => e.eventId)).toEqual([first.eventId]);
    expect(await sideRows()).toEqual(['a']);
  });

  it('rolls back every statement when the append sent with the COMMIT is not at the expected revision', async () => {
    const stream = `note-${randomUUID()}`;
    await store.append(stream, [event()]);
    const refused = store.transaction((tx) =>
      tx.commitWith!(() => Promise.all([tx.query(insertSide('b')), tx.append(stream, [event()], { expected: 'no-stream' })])),
    );
    await expect(refused).rejects.toBeInstanceOf(StreamConflictError);
    await expect(refused).rejects.toMatchObject({ actual: 0 });
    expect(await store.readStream(stream)).toHaveLength(1);
    expect(await sideRows()).toEqual([]);
  });

  it('rolls back every statement when an event id is already stored with other content', async () => {
    const stream = `note-${randomUUID()}`;
    const stored = event('Noted', { n: 1 });
    await store.append(stream, [stored]);
    const refused = store.transaction((tx) =>
      tx.commitWith!(() => Promise.all([tx.query(insertSide('c')), tx.append(stream, [{ ...stored, data: { n: 2 } }])])),
    );
    await expect(refused).rejects.toBeInstanceOf(EventIdConflictError);
    expect(await sideRows()).toEqual([]);
  });

  it('keeps a replayed append a success (same ids, same content) and commits the rest', async () => {
    const stream = `note-${randomUUID()}`;
    const stored = event('Noted', { n: 1 });
    const first = await store.append(stream, [stored]);
    const again = await store.transaction((tx) =>
      tx.commitWith!(() => Promise.all([tx.append(stream, [stored]), tx.query(insertSide('d'))])),
    );
    expect(again[0]).toMatchObject({ replayed: true, position: first.position });
    expect(await sideRows()).toEqual(['d']);
  });

  it('appends nothing when another statement sent with the COMMIT fails', async () => {
    const stream = `note-${randomUUID()}`;
    await store.withClient((c) => c.query(insertSide('taken')));
    const failed = store.transaction((tx) =>
      tx.commitWith!(() => Promise.all([tx.append(stream, [event()]), tx.query(insertSide('taken'))])),
    );
    await expect(failed).rejects.toMatchObject({ code: '23505' });
    expect(await store.readStream(stream)).toEqual([]);
    expect(await sideRows()).toEqual(['taken']);
  });

  it('answers a COMMIT the server turned into a rollback as a failure, even when the statements’ failure was swallowed', async () => {
    const stream = `note-${randomUUID()}`;
    await store.withClient((c) => c.query(insertSide('dup')));
    const swallowed = store.transaction((tx) =>
      tx.commitWith!(() =>
        Promise.all([tx.query(insertSide('dup')).catch(() => 'ignored'), tx.append(stream, [event()]).catch(() => null)]),
      ),
    );
    await expect(swallowed).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.readStream(stream)).toEqual([]);
  });

  it('never runs a statement started after the COMMIT went out, nor one issued after commitWith', async () => {
    let late: Promise<unknown> = Promise.resolve();
    const defect = store.transaction((tx) =>
      tx.commitWith!(async () => {
        await tx.query(insertSide('sent'));
        // A defect in a caller: a second statement after an await.
        late = tx.query(insertSide('late'));
        return late;
      }),
    );
    if (kind === 'postgres') {
      // Pipelined, the first statement left with the COMMIT; the late one is refused, never run on its own.
      await expect(defect).rejects.toBeInstanceOf(LateStatementError);
      await expect(late).rejects.toBeInstanceOf(LateStatementError);
      expect(await sideRows()).toEqual(['sent']);
    } else {
      // One statement after another (PGlite): the COMMIT waits for `issue`, so both are in the transaction.
      await defect;
      expect(await sideRows()).toEqual(['late', 'sent']);
    }
    await store.withClient((c) => c.query(`DELETE FROM ${side}`));

    const after = store.transaction(async (tx) => {
      await tx.commitWith!(() => tx.query(insertSide('x')));
      return tx.query(insertSide('y'));
    });
    await expect(after).rejects.toBeInstanceOf(LateStatementError);
    expect(await sideRows()).toEqual(['x']);
  });
});
