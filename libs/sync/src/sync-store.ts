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
        event_id text, bytes bytea NOT NULL, UNIQUE (topic, partition, "offset"));`);
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
