import type { EventStore, NewEvent, RecordedEvent } from '@vaxledger/event-store';
import { type CommandAnswer, markReplayed } from '../kernel/command-answer';
import {
  type CommandOutcome,
  type CommandRequest,
  type CommandRunner,
  keyReused,
  requestHashOf,
  stampEvents,
} from '../kernel/command-executor';
import type { IdempotencyStore } from '../kernel/idempotency';

/** One command's decided facts, waiting for the document's single append. */
export interface StagedAppend {
  readonly streamId: string;
  /** The stream's last revision when the command was decided (null: no stream yet). */
  readonly expectedRevision: number | null;
  readonly events: readonly NewEvent[];
  readonly orgCode: string;
  readonly idempotencyKey: string | undefined;
  readonly requestHash: string;
  readonly resourceId: string;
}

export interface StagedCommandsDeps {
  readonly store: Pick<EventStore, 'readStream'>;
  readonly idempotency: Pick<IdempotencyStore, 'find'>;
  readonly provinceCode: string;
  /** Told each command's staged facts, so the reads of the commands after it see them. */
  readonly onStaged: (staged: StagedAppend) => Promise<void>;
}

/**
 * A command runner that decides but does not append: each command reads its stream as the log
 * holds it plus what earlier commands of the same document staged on it, is decided by the same
 * handler and decider as a single command, and its facts are kept for one append of the whole
 * document (or none). Keys already answered in the log replay their answer and stage nothing.
 */
export class StagedCommands implements CommandRunner {
  private readonly logged = new Map<string, Promise<RecordedEvent[]>>();
  private readonly stagedByStream = new Map<string, RecordedEvent[]>();
  private readonly byKey = new Map<string, { requestHash: string; answer: CommandAnswer }>();
  readonly staged: StagedAppend[] = [];

  constructor(private readonly deps: StagedCommandsDeps) {}

  /** The document waits for the read models once, before its first command (the caller does). */
  catchUp(): Promise<void> {
    return Promise.resolve();
  }

  async run(request: CommandRequest): Promise<CommandOutcome> {
    const requestHash = requestHashOf(request);
    const key = request.idempotencyKey;
    const scopedKey = key ? `${request.actor.orgCode}|${key}` : null;
    if (key && scopedKey) {
      const earlier = this.byKey.get(scopedKey) ?? (await this.deps.idempotency.find(request.actor.orgCode, key));
      if (earlier && earlier.requestHash !== requestHash) throw keyReused();
      if (earlier) {
        markReplayed(earlier.answer);
        return { answer: earlier.answer, replayed: true };
      }
    }
    const history = await this.history(request.streamId);
    const decided = await request.decide(history);
    const events = stampEvents(request, decided, this.deps.provinceCode);
    const last = history[history.length - 1];
    const answer: CommandAnswer = {
      id: request.resourceId,
      eventIds: events.map((e) => e.eventId),
      streamId: request.streamId,
      revision: (last?.revision ?? -1) + events.length,
      // Known once the document is appended; the stage's answers are only counted.
      position: '0',
    };
    if (events.length === 0) return { answer, replayed: true };
    const staged: StagedAppend = {
      streamId: request.streamId,
      expectedRevision: last?.revision ?? null,
      events,
      orgCode: request.actor.orgCode,
      idempotencyKey: key,
      requestHash,
      resourceId: request.resourceId,
    };
    this.keep(staged);
    if (scopedKey) this.byKey.set(scopedKey, { requestHash, answer });
    await this.deps.onStaged(staged);
    return { answer, replayed: false };
  }

  /** The stream as the log holds it (read once per document) followed by what this document staged. */
  private async history(streamId: string): Promise<RecordedEvent[]> {
    let logged = this.logged.get(streamId);
    if (!logged) this.logged.set(streamId, (logged = this.deps.store.readStream(streamId)));
    return [...(await logged), ...(this.stagedByStream.get(streamId) ?? [])];
  }

  private keep(staged: StagedAppend): void {
    const list = this.stagedByStream.get(staged.streamId) ?? [];
    const recordedAt = new Date();
    const first = (staged.expectedRevision ?? -1) + 1;
    staged.events.forEach((event, i) => list.push({ ...event, streamId: staged.streamId, revision: first + i, position: 0n, recordedAt }));
    this.stagedByStream.set(staged.streamId, list);
    this.staged.push(staged);
  }
}
