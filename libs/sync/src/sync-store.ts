import type { Pool } from 'pg';

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly detail: string;
  readonly eventId?: string | undefined;
  readonly bytes: Buffer;
}

/**
 * The sync worker's own state beside the log: the relay's checkpoint (the last local
 * position Kafka acknowledged) and the dead letters the consumer set aside.
 */
export class SyncStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema = 'sync',
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid sync schema ${schema}`);
  }

  async migrate(): Promise<void> {
    await this.pool.query(`
      CREATE SCHEMA IF NOT EXISTS ${this.schema};
      CREATE TABLE IF NOT EXISTS ${this.schema}.relay_checkpoint (
        topic text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS ${this.schema}.dead_letter (
        id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), topic text NOT NULL,
        partition int NOT NULL, "offset" text NOT NULL, reason text NOT NULL, detail text NOT NULL,
        event_id text, bytes bytea NOT NULL, UNIQUE (topic, partition, "offset"));
      CREATE TABLE IF NOT EXISTS ${this.schema}.parked (
        stream_id text NOT NULL, revision int NOT NULL, event_id text NOT NULL, topic text NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(), bytes bytea NOT NULL, PRIMARY KEY (stream_id, revision));
      CREATE TABLE IF NOT EXISTS ${this.schema}.hub_interest (
        person_id text NOT NULL, province text NOT NULL, holds boolean NOT NULL,
        since timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (person_id, province));
      CREATE TABLE IF NOT EXISTS ${this.schema}.history_request (
        person_id text PRIMARY KEY, requested_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE IF NOT EXISTS ${this.schema}.history_answer (
        person_id text NOT NULL, responder text NOT NULL, answered_at timestamptz NOT NULL DEFAULT now(),
        event_count int NOT NULL, up_to text, holders text[], PRIMARY KEY (person_id, responder));
      CREATE TABLE IF NOT EXISTS ${this.schema}.checkpoint_leaf (
        event_id text PRIMARY KEY, origin text NOT NULL, sequence int NOT NULL, leaf text NOT NULL);`);
  }

  /**
   * An event whose stream's earlier revisions have not arrived (a history pull answered out
   * of order, a province that joined late): kept aside, never dropped, and imported as soon
   * as its predecessor is (DOMAIN.md §7: park, never drop).
   */
  async park(event: { streamId: string; revision: number; eventId: string; topic: string; bytes: Buffer }): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.parked (stream_id, revision, event_id, topic, bytes) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [event.streamId, event.revision, event.eventId, event.topic, event.bytes],
    );
  }

  /** The parked event that follows `revision` in `streamId`, if any. */
  async parkedAfter(streamId: string, revision: number): Promise<{ topic: string; bytes: Buffer } | null> {
    const { rows } = await this.pool.query<{ topic: string; bytes: Buffer }>(
      `SELECT topic, bytes FROM ${this.schema}.parked WHERE stream_id = $1 AND revision = $2`,
      [streamId, revision + 1],
    );
    return rows[0] ?? null;
  }

  async unpark(streamId: string, revision: number): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.schema}.parked WHERE stream_id = $1 AND revision = $2`, [streamId, revision]);
  }

  /** The leaves other provinces' signed checkpoints list (ADR 0019), kept to check copies that arrive later. */
  async recordCheckpointLeaves(origin: string, sequence: number, leaves: readonly (readonly [string, string])[]): Promise<void> {
    if (leaves.length === 0) return;
    await this.pool.query(
      `INSERT INTO ${this.schema}.checkpoint_leaf (event_id, origin, sequence, leaf)
       SELECT id, $1, $2, leaf FROM unnest($3::text[], $4::text[]) AS l(id, leaf) ON CONFLICT DO NOTHING`,
      [origin, sequence, leaves.map(([id]) => id.toLowerCase()), leaves.map(([, leaf]) => leaf)],
    );
  }

  /** Listed leaves of these events, by event id (lower case). */
  async checkpointLeavesOf(eventIds: readonly string[]): Promise<Map<string, { leaf: string; origin: string; sequence: number }>> {
    if (eventIds.length === 0) return new Map();
    const { rows } = await this.pool.query<{ event_id: string; leaf: string; origin: string; sequence: number }>(
      `SELECT event_id, leaf, origin, sequence FROM ${this.schema}.checkpoint_leaf WHERE event_id = ANY($1::text[])`,
      [eventIds.map((id) => id.toLowerCase())],
    );
    return new Map(rows.map((r) => [r.event_id, { leaf: r.leaf, origin: r.origin, sequence: r.sequence }]));
  }

  async parkedCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.schema}.parked`);
    return rows[0]!.n;
  }

  /**
   * Hub only: records that `province` wants a person's events (it served them, or asked for
   * their history). Answers whether this is news and who else holds the person's streams.
   */
  async addInterest(personId: string, province: string, holds: boolean): Promise<{ added: boolean; holders: string[] }> {
    const { rows } = await this.pool.query<{ inserted: boolean }>(
      `INSERT INTO ${this.schema}.hub_interest (person_id, province, holds) VALUES ($1, $2, $3)
       ON CONFLICT (person_id, province) DO UPDATE SET holds = ${this.schema}.hub_interest.holds OR EXCLUDED.holds
       RETURNING (xmax = 0) AS inserted`,
      [personId, province, holds],
    );
    const holders = await this.pool.query<{ province: string }>(
      `SELECT province FROM ${this.schema}.hub_interest WHERE person_id = $1 AND holds AND province <> $2 ORDER BY province`,
      [personId, province],
    );
    return { added: rows[0]!.inserted, holders: holders.rows.map((r) => r.province) };
  }

  async interested(personId: string): Promise<{ province: string; holds: boolean }[]> {
    const { rows } = await this.pool.query<{ province: string; holds: boolean }>(
      `SELECT province, holds FROM ${this.schema}.hub_interest WHERE person_id = $1 ORDER BY province`,
      [personId],
    );
    return rows;
  }

  /** Requester side: true the first time a person's history is asked for. */
  async markHistoryRequested(personId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${this.schema}.history_request (person_id) VALUES ($1) ON CONFLICT DO NOTHING`,
      [personId],
    );
    return rowCount === 1;
  }

  async forgetHistoryRequest(personId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.schema}.history_request WHERE person_id = $1`, [personId]);
  }

  async saveHistoryAnswer(answer: {
    personId: string;
    responder: string;
    eventCount: number;
    upTo: string | null;
    holders: readonly string[] | null;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.history_answer (person_id, responder, event_count, up_to, holders) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (person_id, responder) DO UPDATE SET answered_at = now(), event_count = EXCLUDED.event_count,
         up_to = EXCLUDED.up_to, holders = EXCLUDED.holders`,
      [answer.personId, answer.responder, answer.eventCount, answer.upTo, answer.holders],
    );
  }

  async history(personId: string): Promise<{
    requestedAt: Date | null;
    answers: { responder: string; answeredAt: Date; eventCount: number; upTo: string | null; holders: string[] | null }[];
  }> {
    const [request, answers] = await Promise.all([
      this.pool.query<{ requested_at: Date }>(`SELECT requested_at FROM ${this.schema}.history_request WHERE person_id = $1`, [personId]),
      this.pool.query<{ responder: string; answered_at: Date; event_count: number; up_to: string | null; holders: string[] | null }>(
        `SELECT responder, answered_at, event_count, up_to, holders FROM ${this.schema}.history_answer WHERE person_id = $1 ORDER BY responder`,
        [personId],
      ),
    ]);
    return {
      requestedAt: request.rows[0]?.requested_at ?? null,
      answers: answers.rows.map((r) => ({
        responder: r.responder,
        answeredAt: r.answered_at,
        eventCount: r.event_count,
        upTo: r.up_to,
        holders: r.holders,
      })),
    };
  }

  async relayCheckpoint(topic: string): Promise<bigint> {
    const { rows } = await this.pool.query<{ position: string }>(`SELECT position FROM ${this.schema}.relay_checkpoint WHERE topic = $1`, [
      topic,
    ]);
    return rows[0] ? BigInt(rows[0].position) : 0n;
  }

  async saveRelayCheckpoint(topic: string, position: bigint): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.relay_checkpoint (topic, position) VALUES ($1, $2)
       ON CONFLICT (topic) DO UPDATE SET position = GREATEST(${this.schema}.relay_checkpoint.position, EXCLUDED.position), updated_at = now()`,
      [topic, position.toString()],
    );
  }

  /** Records a dead letter once per Kafka message (redelivery does not duplicate it). */
  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.schema}.dead_letter (topic, partition, "offset", reason, detail, event_id, bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [letter.topic, letter.partition, letter.offset, letter.reason, letter.detail.slice(0, 2000), letter.eventId ?? null, letter.bytes],
    );
  }

  async deadLetters(): Promise<{ reason: string; detail: string; topic: string; eventId: string | null }[]> {
    const { rows } = await this.pool.query<{ reason: string; detail: string; topic: string; event_id: string | null }>(
      `SELECT reason, detail, topic, event_id FROM ${this.schema}.dead_letter ORDER BY id`,
    );
    return rows.map((r) => ({ reason: r.reason, detail: r.detail, topic: r.topic, eventId: r.event_id }));
  }
}
