import type { CommandAnswer } from './command-answer';

/** An answer kept under its caller's idempotency key, with the hash of the command it answered. */
export interface RememberedAnswer {
  readonly requestHash: string;
  readonly answer: CommandAnswer;
}

/**
 * What a keyed command is known by: keys are the callers' own and two organisations may use
 * the same one, so the identity is the organisation and the key, joined by a NUL.
 */
export const idempotencyIdentity = (orgCode: string, key: string): string => `${orgCode}\u0000${key}`;

/** Where answers to keyed commands are kept, per organisation (the key is the caller's). */
export interface IdempotencyStore {
  find(orgCode: string, key: string): Promise<RememberedAnswer | null>;
  /** Keeps the first answer under a key; a second save of the same key is ignored. */
  save(orgCode: string, key: string, remembered: RememberedAnswer): Promise<void>;
}

/** Anything that runs a parameterised SQL query (a TypeORM DataSource, a pg Pool wrapper). */
export interface SqlQuery {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The node's idempotency table, `<schema>.edge_idempotency`, created on first use. A save inside
 * a command's transaction never waits on another connection: on the embedded engine (one session
 * for every connection) a statement on the pool while the transaction is open would wait for
 * ever, so until the table is known to exist the transaction creates it itself.
 */
export class SqlIdempotencyStore implements IdempotencyStore {
  private migrated: Promise<void> | null = null;
  private tableExists = false;

  constructor(
    private readonly db: SqlQuery,
    private readonly schema: string,
  ) {}

  private table(): string {
    return `"${this.schema}".edge_idempotency`;
  }

  private createTable(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.table()} (
       org_code text NOT NULL, key text NOT NULL, request_hash text NOT NULL, answer jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (org_code, key))`;
  }

  private ensureTable(): Promise<void> {
    this.migrated ??= this.db.query(this.createTable()).then(() => {
      this.tableExists = true;
    });
    return this.migrated;
  }

  /** Inside a transaction (`db`): the table through that same connection, not the pool. */
  private async ensureTableIn(db: SqlQuery): Promise<void> {
    if (this.tableExists) return;
    if (db === this.db) return this.ensureTable();
    await db.query(this.createTable());
  }

  find(orgCode: string, key: string): Promise<RememberedAnswer | null> {
    return this.findIn(this.db, orgCode, key);
  }

  /**
   * `find` inside a command's own transaction (`db`), as one of its reads: one statement started
   * at once when the table is known (see savesInOneStatement), so it can travel with the others.
   */
  findIn(db: SqlQuery, orgCode: string, key: string): Promise<RememberedAnswer | null> {
    const select = async (): Promise<RememberedAnswer | null> => {
      const rows = (await db.query(`SELECT request_hash, answer FROM ${this.table()} WHERE org_code = $1 AND key = $2`, [
        orgCode,
        key,
      ])) as { request_hash: string; answer: CommandAnswer }[];
      const seen = rows[0];
      return seen ? { requestHash: seen.request_hash, answer: seen.answer } : null;
    };
    return this.tableExists ? select() : this.ensureTableIn(db).then(select);
  }

  async save(orgCode: string, key: string, remembered: RememberedAnswer): Promise<void> {
    await this.saveIn(this.db, orgCode, key, remembered);
  }

  /** The answers kept under many keys of one organisation, in one statement (bulk doses, file imports). */
  async findMany(orgCode: string, keys: readonly string[]): Promise<Map<string, RememberedAnswer>> {
    await this.ensureTable();
    return this.findManyIn(this.db, orgCode, keys);
  }

  /** `findMany` in a command's own transaction (`db`); the table must exist (a `find` or `findMany` made sure). */
  async findManyIn(db: SqlQuery, orgCode: string, keys: readonly string[]): Promise<Map<string, RememberedAnswer>> {
    const rows = (await db.query(`SELECT key, request_hash, answer FROM ${this.table()} WHERE org_code = $1 AND key = ANY($2::text[])`, [
      orgCode,
      [...keys],
    ])) as { key: string; request_hash: string; answer: CommandAnswer }[];
    return new Map(rows.map((r) => [r.key, { requestHash: r.request_hash, answer: r.answer }]));
  }

  /** `saveIn` for many answers in one statement; a key kept before keeps its first answer. */
  async saveManyIn(db: SqlQuery, answers: readonly { orgCode: string; key: string; remembered: RememberedAnswer }[]): Promise<void> {
    if (answers.length === 0) return;
    await this.ensureTableIn(db);
    await db.query(
      `INSERT INTO ${this.table()} (org_code, key, request_hash, answer)
       SELECT o, k, h, a FROM jsonb_to_recordset($1::jsonb) AS x(o text, k text, h text, a jsonb)
       ON CONFLICT DO NOTHING`,
      [
        JSON.stringify(
          answers.map(({ orgCode, key, remembered }) => ({ o: orgCode, k: key, h: remembered.requestHash, a: remembered.answer })),
        ),
      ],
    );
  }

  /**
   * True once the table is known to exist (a `find`, `findMany` or `save` through the pool made
   * sure): `saveIn` is then one statement, started at once (it may go with a COMMIT,
   * StoreTransaction.commitWith).
   */
  get savesInOneStatement(): boolean {
    return this.tableExists;
  }

  /** `save` inside a command's own transaction (`db`), so the answer commits with its events. */
  saveIn(db: SqlQuery, orgCode: string, key: string, remembered: RememberedAnswer): Promise<void> {
    const insert = async (): Promise<void> => {
      await db.query(`INSERT INTO ${this.table()} (org_code, key, request_hash, answer) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
        orgCode,
        key,
        remembered.requestHash,
        JSON.stringify(remembered.answer),
      ]);
    };
    // Known table: the INSERT starts now, not after an await (see savesInOneStatement).
    return this.tableExists ? insert() : this.ensureTableIn(db).then(insert);
  }
}

/** Answers kept in this process only: for tests and one-shot tools. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly answers = new Map<string, RememberedAnswer>();

  find(orgCode: string, key: string): Promise<RememberedAnswer | null> {
    return Promise.resolve(this.answers.get(idempotencyIdentity(orgCode, key)) ?? null);
  }

  save(orgCode: string, key: string, remembered: RememberedAnswer): Promise<void> {
    const id = idempotencyIdentity(orgCode, key);
    if (!this.answers.has(id)) this.answers.set(id, JSON.parse(JSON.stringify(remembered)) as RememberedAnswer);
    return Promise.resolve();
  }
}
