import type { Actor } from '@vaxledger/domain';
import { type EventStore, type StoreTransaction, StreamConflictError } from '@vaxledger/event-store';
import type { AccessPolicy } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import { type CommandExecutor, keyReused } from '../kernel/command-executor';
import { ApplicationError } from '../kernel/errors';
import type { IdempotencyStore, RememberedAnswer, SqlQuery } from '../kernel/idempotency';
import type { Clock } from '../kernel/ports';
import { type RegisterBatchCommand, RegisterBatchHandler } from '../batches/register-batch.handler';
import { type ReleaseBatchCommand, ReleaseBatchHandler } from '../batches/release-batch.handler';
import { type DestroyUnitsCommand, DestroyUnitsHandler } from '../destructions/destroy-units.handler';
import { type LaunchRecallCommand, LaunchRecallHandler } from '../recalls/launch-recall.handler';
import { type DispatchShipmentCommand, DispatchShipmentHandler } from '../shipments/dispatch-shipment.handler';
import { type ReceiveShipmentCommand, ReceiveShipmentHandler } from '../shipments/receive-shipment.handler';
import { DocumentOverlay, type SupplyReads } from './document-overlay';
import { type StagedAppend, StagedCommands } from './staged-commands';

/** One supply-chain command of a document, as its single-command handler takes it. */
export type SupplyCommand =
  | { readonly useCase: 'registerBatch'; readonly command: RegisterBatchCommand }
  | { readonly useCase: 'releaseBatch'; readonly command: ReleaseBatchCommand }
  | { readonly useCase: 'dispatch'; readonly command: DispatchShipmentCommand }
  | { readonly useCase: 'receive'; readonly command: ReceiveShipmentCommand }
  | { readonly useCase: 'destroy'; readonly command: DestroyUnitsCommand }
  | { readonly useCase: 'recall'; readonly command: LaunchRecallCommand };

export interface SupplyDocumentItem {
  readonly supply: SupplyCommand;
  /** The item's own retry key (EPCIS: from its eventID or event hash). */
  readonly idempotencyKey: string;
  /**
   * Further metadata every fact of this item carries (EPCIS: the partner's eventID). Set before
   * the append, so it is part of each fact's leaf hash and travels with it to other provinces.
   */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** The document's outcome: every item appended (or replayed), or nothing and each refusal. */
export type SupplyDocumentOutcome =
  | { readonly ok: true; readonly appendedEvents: number; readonly replayedItems: number }
  | { readonly ok: false; readonly refusals: readonly { readonly index: number; readonly error: unknown }[] };

/** Where the log can append several streams in one transaction (PostgreSQL, PGlite). */
export interface AtomicAppendDeps {
  readonly store: { transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> };
  readonly idempotency: { saveIn(db: SqlQuery, orgCode: string, key: string, remembered: RememberedAnswer): Promise<void> };
}

export interface RecordSupplyDocumentDeps {
  readonly executor: CommandExecutor;
  readonly store: EventStore;
  readonly reads: SupplyReads;
  readonly access: Pick<AccessPolicy, 'mayDecideRelease' | 'mayReceiveShipment' | 'mayRecallBatch'>;
  /** Absent (KurrentDB, memory): the decided document is appended stream by stream. */
  readonly atomic?: AtomicAppendDeps | undefined;
  readonly clock?: Clock;
}

const MAX_ATTEMPTS = 3;

/**
 * RecordSupplyDocument: several supply commands (an EPCIS document) all or nothing. Each command
 * is decided in order by its own handler and the domain's decider, as if the commands before it
 * had been appended (their facts staged on their streams, and an overlay of the read models they
 * change); a refusal anywhere leaves the log untouched and is reported with its index. When all
 * are accepted, their facts are appended in one store transaction, each item's answer kept under
 * its key in the same transaction, so the same document again appends nothing new. A concurrent
 * writer on one of the streams makes the whole document be decided again.
 */
export class RecordSupplyDocumentHandler {
  constructor(private readonly deps: RecordSupplyDocumentDeps) {}

  async handle(items: readonly SupplyDocumentItem[], actor: Actor, correlationId: string): Promise<SupplyDocumentOutcome> {
    for (let attempt = 1; ; attempt++) {
      await this.deps.executor.catchUp();
      const { stage, refusals, replayedItems } = await this.decideAll(items, actor, correlationId);
      if (refusals.length > 0) return { ok: false, refusals };
      try {
        const appendedEvents = await this.appendAll(stage.staged);
        return { ok: true, appendedEvents, replayedItems };
      } catch (error) {
        if (!(error instanceof StreamConflictError)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new ApplicationError('STREAM_CONFLICT', 'the document’s streams kept changing; try again');
      }
    }
  }

  private async decideAll(items: readonly SupplyDocumentItem[], actor: Actor, correlationId: string) {
    const overlay = new DocumentOverlay(this.deps.reads);
    const stage = new StagedCommands({
      store: this.deps.store,
      idempotency: this.deps.executor.idempotency,
      provinceCode: this.deps.executor.provinceCode,
      onStaged: async (staged) => {
        for (const event of staged.events) await overlay.apply(event);
      },
    });
    const common = {
      executor: stage,
      reads: overlay.reads,
      access: this.deps.access,
      ...(this.deps.clock ? { clock: this.deps.clock } : {}),
    };
    const handlers = {
      registerBatch: new RegisterBatchHandler(common),
      releaseBatch: new ReleaseBatchHandler(common),
      dispatch: new DispatchShipmentHandler(common),
      receive: new ReceiveShipmentHandler(common),
      destroy: new DestroyUnitsHandler(common),
      recall: new LaunchRecallHandler(common),
    };
    const refusals: { index: number; error: unknown }[] = [];
    let replayedItems = 0;
    for (const [index, { supply, idempotencyKey, metadata }] of items.entries()) {
      const meta = { correlationId, idempotencyKey };
      try {
        const before = stage.staged.length;
        // Each use case's own handler, so a new rule on /v1 holds here too.
        await handlers[supply.useCase].handle(supply.command as never, actor, meta);
        if (stage.staged.length === before) replayedItems++;
        else if (metadata)
          for (let i = before; i < stage.staged.length; i++) {
            const s = stage.staged[i]!;
            stage.staged[i] = { ...s, events: s.events.map((e) => ({ ...e, metadata: { ...metadata, ...e.metadata } })) };
          }
      } catch (error) {
        refusals.push({ index, error });
      }
    }
    return { stage, refusals, replayedItems };
  }

  /** Appends every staged command in document order; returns how many new facts the log took. */
  private async appendAll(staged: readonly StagedAppend[]): Promise<number> {
    if (staged.length === 0) return 0;
    const atomic = this.deps.atomic;
    if (atomic)
      return atomic.store.transaction((tx) => this.appendIn(tx, staged, (org, key, r) => atomic.idempotency.saveIn(tx, org, key, r)));
    const idempotency: IdempotencyStore = this.deps.executor.idempotency;
    return this.appendIn(this.deps.store, staged, (org, key, r) => idempotency.save(org, key, r));
  }

  private async appendIn(
    log: Pick<EventStore, 'append'>,
    staged: readonly StagedAppend[],
    remember: (orgCode: string, key: string, remembered: RememberedAnswer) => Promise<void>,
  ): Promise<number> {
    let appendedEvents = 0;
    for (const item of staged) {
      // At the revision the decision read: a stream that moved since is a conflict.
      const expected = item.expectedRevision === null ? 'no-stream' : item.expectedRevision;
      const appended = await log.append(item.streamId, item.events, { expected }).catch((error: unknown) => {
        throw (error as { code?: string }).code === 'EVENT_ID_CONFLICT' ? keyReused() : error;
      });
      if (!appended.replayed) appendedEvents += appended.eventIds.length;
      const answer: CommandAnswer = {
        id: item.resourceId,
        eventIds: appended.eventIds,
        streamId: item.streamId,
        revision: appended.revision,
        position: appended.position.toString(),
      };
      if (item.idempotencyKey) await remember(item.orgCode, item.idempotencyKey, { requestHash: item.requestHash, answer });
    }
    return appendedEvents;
  }
}
