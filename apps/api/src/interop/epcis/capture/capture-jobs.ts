import type { DataSource } from 'typeorm';

/** One per-event error of a capture job: which event, our stable code, what to fix. */
export interface CaptureError {
  readonly eventIndex: number;
  readonly eventID: string | null;
  readonly code: string;
  readonly detail: string;
}

export type CaptureStatus = 'running' | 'success' | 'failed';

export interface CaptureJob {
  readonly captureId: string;
  readonly orgCode: string;
  readonly status: CaptureStatus;
  readonly eventCount: number;
  readonly appendedEvents: number;
  readonly errors: readonly CaptureError[];
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/**
 * Capture jobs, in a table beside the read models (they are not projections: nothing rebuilds
 * them). A job is readable only by the organisation that captured it.
 */
export class CaptureJobs {
  private ready: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  private get table(): string {
    return `"${this.schema}".epcis_capture_job`;
  }

  private ensure(): Promise<void> {
    this.ready ??= this.dataSource
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           capture_id uuid PRIMARY KEY, org_code text NOT NULL, status text NOT NULL, event_count int NOT NULL,
           appended_events int NOT NULL DEFAULT 0, errors jsonb NOT NULL DEFAULT '[]', created_at timestamptz NOT NULL DEFAULT now(),
           finished_at timestamptz)`,
      )
      .then(() => undefined);
    return this.ready;
  }

  async create(captureId: string, orgCode: string, eventCount: number): Promise<void> {
    await this.ensure();
    await this.dataSource.query(`INSERT INTO ${this.table} (capture_id, org_code, status, event_count) VALUES ($1, $2, 'running', $3)`, [
      captureId,
      orgCode,
      eventCount,
    ]);
  }

  async finish(
    captureId: string,
    status: Exclude<CaptureStatus, 'running'>,
    appendedEvents: number,
    errors: readonly CaptureError[],
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET status = $2, appended_events = $3, errors = $4::jsonb, finished_at = now() WHERE capture_id = $1`,
      [captureId, status, appendedEvents, JSON.stringify(errors)],
    );
  }

  async get(captureId: string, orgCode: string): Promise<CaptureJob | null> {
    await this.ensure();
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE capture_id = $1 AND org_code = $2`,
      [captureId, orgCode],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      captureId: String(r.capture_id),
      orgCode: String(r.org_code),
      status: r.status as CaptureStatus,
      eventCount: Number(r.event_count),
      appendedEvents: Number(r.appended_events),
      errors: r.errors as CaptureError[],
      createdAt: new Date(r.created_at as string),
      finishedAt: r.finished_at ? new Date(r.finished_at as string) : null,
    };
  }
}
