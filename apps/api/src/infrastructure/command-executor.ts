import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '@vaxledger/domain';
import { type NewEvent, type RecordedEvent, StreamConflictError } from '@vaxledger/event-store';
import { ApiError } from '../http/problem';
import type { Metrics } from './metrics';
import type { NodeRuntime } from './node-runtime';
import { uuidV5 } from './uuid-v5';

/** A fact the domain decided, before the handler adds its metadata. */
export interface DecidedEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/** API.md's command answer. */
export interface CommandAnswer {
  readonly id: string;
  readonly eventIds: readonly string[];
  readonly streamId: string;
  readonly revision: number;
  readonly position: string;
}

export interface CommandRequest {
  readonly command: string;
  readonly streamId: string;
  readonly resourceId: string;
  readonly actor: Actor;
  readonly correlationId: string;
  readonly idempotencyKey?: string | undefined;
  readonly ifMatch?: number | undefined;
  /** The request body, hashed to tell a retry from a reused key. */
  readonly body: unknown;
  /** Called with the stream's events; returns the new facts (or throws a RuleViolation). */
  readonly decide: (history: readonly RecordedEvent[]) => Promise<readonly DecidedEvent[]>;
}

export interface CommandOutcome {
  readonly answer: CommandAnswer;
  /** True when this answer repeats an earlier one (same Idempotency-Key and body). */
  readonly replayed: boolean;
}

const MAX_ATTEMPTS = 3;
const REPLAYED = Symbol('replayed');

/** Tags an answer that repeats an earlier one, so the edge answers 200 instead of 201. */
const markReplayed = (answer: CommandAnswer): void => {
  Object.defineProperty(answer, REPLAYED, { value: true, enumerable: false });
};
export const isReplayedAnswer = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REPLAYED] === true;
const canonicalHash = (body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');

/**
 * Runs a command the same way every time: wait until the read models reflect the log
 * (the rules check against them), read the stream, decide, append at the revision read.
 * A concurrent writer makes it re-read and re-decide, up to three times; with If-Match
 * the caller's revision is used and a stale one is a 412.
 */
export class CommandExecutor {
  private migrated: Promise<void> | null = null;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly metrics: Metrics,
  ) {}

  private table(): string {
    return `"${this.runtime.readModels.schema}".edge_idempotency`;
  }

  private ensureTable(): Promise<void> {
    this.migrated ??= this.runtime.readModels.dataSource
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.table()} (
           org_code text NOT NULL, key text NOT NULL, request_hash text NOT NULL, answer jsonb NOT NULL,
           created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (org_code, key))`,
      )
      .then(() => undefined);
    return this.migrated;
  }

  /**
   * Waits until every read model has applied what the log held when the command arrived,
   * including appends committed behind an older one still in flight (an import from
   * another province, say): the caller's own previous command must be seen.
   */
  async catchUp(): Promise<void> {
    const { store, readModels, settings } = this.runtime;
    await readModels.runner.waitFor(await store.latestPosition(), settings.projectionWaitMs);
  }

  async run(request: CommandRequest): Promise<CommandOutcome> {
    const started = process.hrtime.bigint();
    let outcome = 'error';
    try {
      const result = await this.execute(request);
      outcome = result.replayed ? 'replayed' : 'appended';
      return result;
    } catch (error) {
      outcome = (error as { code?: string }).code ?? 'error';
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.appendSeconds.observe({ command: request.command, outcome: outcome.length > 40 ? 'error' : outcome }, seconds);
    }
  }

  private async execute(request: CommandRequest): Promise<CommandOutcome> {
    const outcome = await this.decideAndAppend(request);
    if (outcome.replayed) markReplayed(outcome.answer);
    return outcome;
  }

  private async decideAndAppend(request: CommandRequest): Promise<CommandOutcome> {
    const { store } = this.runtime;
    const hash = canonicalHash({ command: request.command, streamId: request.streamId, body: request.body });
    const key = request.idempotencyKey;
    if (key) {
      await this.ensureTable();
      const rows: { request_hash: string; answer: CommandAnswer }[] = await this.runtime.readModels.dataSource.query(
        `SELECT request_hash, answer FROM ${this.table()} WHERE org_code = $1 AND key = $2`,
        [request.actor.orgCode, key],
      );
      const seen = rows[0];
      if (seen && seen.request_hash !== hash)
        throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
      if (seen) return { answer: seen.answer, replayed: true };
    }

    await this.catchUp();
    for (let attempt = 1; ; attempt++) {
      const history = await store.readStream(request.streamId);
      const current = history.length === 0 ? null : history[history.length - 1]!.revision;
      if (request.ifMatch !== undefined && request.ifMatch !== current)
        throw new ApiError('REVISION_MISMATCH', `stream ${request.streamId} is at revision ${current ?? 'none'}, not ${request.ifMatch}`);
      const decided = await request.decide(history);
      const events: NewEvent[] = decided.map((event, index) => ({
        eventId: key ? uuidV5(`${request.actor.orgCode}|${key}|${index}`) : randomUUID(),
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data,
        metadata: {
          correlationId: request.correlationId,
          actor: {
            orgCode: request.actor.orgCode,
            role: request.actor.role,
            provinceCode: request.actor.provinceCode,
            ...(request.actor.siteCode ? { siteCode: request.actor.siteCode } : {}),
          },
          originProvince: this.runtime.settings.provinceCode,
        },
      }));
      if (events.length === 0) {
        // Nothing new to record (an idempotent command that was already done).
        const last = history[history.length - 1];
        const answer: CommandAnswer = {
          id: request.resourceId,
          eventIds: [],
          streamId: request.streamId,
          revision: last?.revision ?? -1,
          position: (last?.position ?? 0n).toString(),
        };
        return { answer, replayed: true };
      }
      try {
        const appended = await store.append(request.streamId, events, { expected: current === null ? 'no-stream' : current });
        const answer: CommandAnswer = {
          id: request.resourceId,
          eventIds: appended.eventIds,
          streamId: request.streamId,
          revision: appended.revision,
          position: appended.position.toString(),
        };
        if (key) {
          await this.runtime.readModels.dataSource.query(
            `INSERT INTO ${this.table()} (org_code, key, request_hash, answer) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
            [request.actor.orgCode, key, hash, JSON.stringify(answer)],
          );
        }
        return { answer, replayed: appended.replayed };
      } catch (error) {
        if ((error as { code?: string }).code === 'EVENT_ID_CONFLICT')
          throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
        if (error instanceof StreamConflictError && request.ifMatch === undefined && attempt < MAX_ATTEMPTS) continue;
        if (error instanceof StreamConflictError && request.ifMatch !== undefined)
          throw new ApiError('REVISION_MISMATCH', `stream ${request.streamId} changed while the command ran`);
        if (error instanceof StreamConflictError)
          throw new ApiError('STREAM_CONFLICT', `stream ${request.streamId} kept changing; try again`);
        throw error;
      }
    }
  }
}
