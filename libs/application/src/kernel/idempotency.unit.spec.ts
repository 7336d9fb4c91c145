import type { RememberedAnswer, SqlQuery } from './idempotency';
import { idempotencyIdentity, SqlIdempotencyStore } from './idempotency';

/** A connection that records its statements; `hold` makes it never answer (a busy session). */
class RecordingConnection implements SqlQuery {
  readonly statements: string[] = [];
  constructor(private readonly hold = false) {}
  query(sql: string): Promise<unknown> {
    this.statements.push(sql.trim().split(/\s+/).slice(0, 3).join(' '));
    return this.hold ? new Promise(() => undefined) : Promise.resolve([]);
  }
}

const remembered: RememberedAnswer = {
  requestHash: 'h',
  answer: { id: 'x', eventIds: ['e'], streamId: 's', revision: 0, position: '1' },
};

describe('SqlIdempotencyStore', () => {
  it('saves inside a transaction without a statement on the pool, even before the table is known', async () => {
    // The pool never answers, as on the embedded engine while the transaction is open.
    const pool = new RecordingConnection(true);
    const tx = new RecordingConnection();
    const store = new SqlIdempotencyStore(pool, 'rm');
    await store.saveIn(tx, 'org', 'k', remembered);
    await store.saveManyIn(tx, [{ orgCode: 'org', key: 'k2', remembered }]);
    expect(pool.statements).toEqual([]);
    expect(tx.statements).toEqual([
      'CREATE TABLE IF',
      'INSERT INTO "rm".edge_idempotency',
      'CREATE TABLE IF',
      'INSERT INTO "rm".edge_idempotency',
    ]);
  });

  it('creates the table once through the pool, and then a transaction only inserts', async () => {
    const pool = new RecordingConnection();
    const tx = new RecordingConnection();
    const store = new SqlIdempotencyStore(pool, 'rm');
    await store.find('org', 'k');
    await store.find('org', 'k');
    await store.saveIn(tx, 'org', 'k', remembered);
    expect(pool.statements).toEqual(['CREATE TABLE IF', 'SELECT request_hash, answer', 'SELECT request_hash, answer']);
    expect(tx.statements).toEqual(['INSERT INTO "rm".edge_idempotency']);
  });
});

describe('idempotencyIdentity', () => {
  it('tells the same key of two organisations apart, and the same joined text split differently', () => {
    expect(idempotencyIdentity('org-a', 'k')).not.toBe(idempotencyIdentity('org-b', 'k'));
    expect(idempotencyIdentity('ab', 'c')).not.toBe(idempotencyIdentity('a', 'bc'));
    expect(idempotencyIdentity('org-a', 'k')).toBe('org-a\u0000k');
  });
});
