import type { PGlite } from '@electric-sql/pglite';
import { SessionAffineQueue } from './pglite-server';

// PGlite has no autovacuum: the queue runs VACUUM itself between two connections' turns,
// after enough work, and never inside a transaction (issue 13: appends slowed as the log grew).
const engine = () => {
  let inTransaction = false;
  const statements: string[] = [];
  const db = {
    runExclusive: <T>(work: () => Promise<T>) => work(),
    execProtocolRawStream: async (message: Uint8Array) => {
      // Simple queries whose last byte says, for this fake, BEGIN (1) or COMMIT (2).
      if (message[5] === 1) inTransaction = true;
      if (message[5] === 2) inTransaction = false;
      return Promise.resolve(new Uint8Array());
    },
    isInTransaction: () => inTransaction,
    exec: async (sql: string) => {
      statements.push(sql);
      return Promise.resolve([]);
    },
  };
  return { db: db as unknown as PGlite, statements };
};
// Q: a simple query, which ends its sequence.
const query = new Uint8Array([0x51, 0, 0, 0, 5, 0]);
const begin = new Uint8Array([0x51, 0, 0, 0, 5, 1]);
const end = new Uint8Array([0x51, 0, 0, 0, 5, 2]);

describe('the embedded server’s VACUUM', () => {
  it('runs after the given amount of work, between turns', async () => {
    const { db, statements } = engine();
    const queue = new SessionAffineQueue(db, { everyMs: 0, afterMessages: 3 });
    for (let i = 0; i < 7; i++) await queue.enqueue(1, query, () => undefined);
    expect(statements).toEqual(['VACUUM', 'VACUUM']);
  });

  it('waits while a connection is inside a transaction', async () => {
    const { db, statements } = engine();
    const queue = new SessionAffineQueue(db, { everyMs: 0, afterMessages: 1 });
    await queue.enqueue(1, begin, () => undefined);
    await queue.enqueue(1, query, () => undefined);
    expect(statements).toEqual([]);
    await queue.enqueue(1, end, () => undefined);
    expect(statements).toEqual(['VACUUM']);
  });

  it('can be switched off', async () => {
    const { db, statements } = engine();
    const queue = new SessionAffineQueue(db, null);
    for (let i = 0; i < 10; i++) await queue.enqueue(1, query, () => undefined);
    expect(statements).toEqual([]);
  });
});
