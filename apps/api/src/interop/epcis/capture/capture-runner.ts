import { createHash } from 'node:crypto';
import { type Application, keyedEventId, type SupplyCommand } from '@vaxledger/application';
import type { Actor, Role } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import { ROLES_KEY } from '../../../auth/actor.guard';
import { BatchesController, ProduceBatchDto, ReleaseBatchDto } from '../../../features/batches/batches.controller';
import { DestroyUnitsDto, DestructionsController } from '../../../features/destructions/destructions.controller';
import { IssueRecallDto, RecallsController } from '../../../features/recalls/recalls.controller';
import { DispatchShipmentDto, ReceiveShipmentDto, ShipmentsController } from '../../../features/shipments/shipments.controller';
import { toProblem } from '../../../http/problem';
import { strictValidationPipe } from '../../../http/validation';
import { eventIdMatch, normalEventId } from '../epcis-query';
import { type CaptureError, type CaptureJobs } from './capture-jobs';
import { cbvEventHash } from './cbv-event-hash';
import { type CaptureCommand, type CaptureLookups, translateEvent } from './capture-translation';

type UseCase = CaptureCommand['useCase'];

/**
 * The /v1 endpoint each use case stands for: its role gate and its body's DTO are applied to a
 * captured event exactly as to a /v1 request, before the same handler runs.
 */
const GATES: Readonly<Record<UseCase, { endpoint: object; dto: new () => object }>> = {
  registerBatch: { endpoint: BatchesController.prototype.produce, dto: ProduceBatchDto },
  releaseBatch: { endpoint: BatchesController.prototype.release, dto: ReleaseBatchDto },
  dispatch: { endpoint: ShipmentsController.prototype.dispatch, dto: DispatchShipmentDto },
  receive: { endpoint: ShipmentsController.prototype.receive, dto: ReceiveShipmentDto },
  destroy: { endpoint: DestructionsController.prototype.destroy, dto: DestroyUnitsDto },
  recall: { endpoint: RecallsController.prototype.issue, dto: IssueRecallDto },
};

const rolesOf = (useCase: UseCase): readonly Role[] =>
  (Reflect.getMetadata(ROLES_KEY, GATES[useCase].endpoint) as Role[] | undefined) ?? [];

/**
 * The event's retry key: its eventID, or without one its CBV 2.0 event hash (the id GS1 gives an
 * event that has none), so the same event captured twice is one command.
 */
export const idempotencyKeyOf = (event: unknown, context: Readonly<Record<string, string>> = {}): string => {
  const id = typeof event === 'object' && event !== null ? (event as { eventID?: unknown }).eventID : undefined;
  const basis = `id:${typeof id === 'string' ? id : cbvEventHash(event, context)}`;
  return `epcis-${createHash('sha256').update(basis).digest('hex')}`;
};

/**
 * The metadata key under which a captured fact keeps the eventID the partner gave its event
 * (`urn:uuid:` in lower case, any other URI as written). Set at append time: it is part of the
 * fact's leaf hash and travels with it to other provinces; the supply-events read model indexes it.
 */
export const EPCIS_EVENT_ID_METADATA = 'epcisEventId';

/** Advisory-lock namespace of captures that carry eventIDs (the first key of pg_advisory_lock(int, int)). */
export const EPCIS_EVENT_ID_LOCKS = 0x76786569; // 'vxei'

/**
 * Captures that carry eventIDs hold a lock per bucket of their eventIDs while they check and
 * append, so two captures of one new eventID run one after the other and the second sees the
 * first's facts. Buckets bound the locks a document of 10,000 events takes.
 */
const EVENT_ID_LOCK_BUCKETS = 256;

/** Anything that runs a task holding a set of named locks (AdvisoryLocks). */
export interface KeySetLocks {
  runAll<T>(keys: readonly string[], task: () => Promise<T>): Promise<T>;
}

/** The lock buckets of a document's eventIDs (as normalEventId keeps them). */
export const eventIdLockKeys = (events: readonly unknown[]): string[] => {
  const buckets = new Set<string>();
  for (const event of events) {
    const id = typeof event === 'object' && event !== null ? (event as { eventID?: unknown }).eventID : undefined;
    const normal = typeof id === 'string' ? normalEventId(id) : null;
    if (normal !== null) buckets.add(`eventid-${createHash('sha256').update(normal).digest().readUInt32BE(0) % EVENT_ID_LOCK_BUCKETS}`);
  }
  return [...buckets];
};

/** Facts a captured event can become (one command: one fact today); ids past these are not ours to recognise. */
const FACTS_PER_EVENT = 4;

/** Codes that say "not now" rather than "no": the whole document is tried again on them. */
const TRANSIENT: ReadonlySet<string> = new Set(['PROJECTION_LAG', 'STORE_UNAVAILABLE', 'STREAM_CONFLICT']);
const TRANSIENT_ATTEMPTS = 5;

/** A captured document's events and the prefixes its `@context` defines (for event hashes). */
export interface CapturedDocument {
  readonly events: readonly unknown[];
  readonly context: Readonly<Record<string, string>>;
}

export interface Planned {
  readonly index: number;
  readonly eventID: string | null;
  /** The eventID as kept in the facts' metadata (normalEventId), or null without one. */
  readonly epcisEventId: string | null;
  readonly command: CaptureCommand;
  readonly body: object;
}

/**
 * Runs one captured document: every event is translated, role-gated and validated as its /v1
 * request would be; then the whole document goes to RecordSupplyDocument (libs/application),
 * which decides each command in order through the same use-case handler and decider as /v1,
 * against the ledger as the earlier events of the document leave it, and appends all their
 * facts in one transaction, or none when any event is refused (each refusal is reported with
 * our stable code). Each event's retry key comes from its eventID or its CBV event hash, so
 * capturing the same document again appends nothing new.
 */
export class CaptureRunner {
  private readonly pipe = strictValidationPipe();

  constructor(
    private readonly app: Application,
    private readonly models: ReadModels,
    private readonly jobs: CaptureJobs,
    /** Waits until the read models reflect everything already in the log (read-your-writes). */
    private readonly catchUp: () => Promise<void>,
    /** Serialises captures that share an eventID bucket, across the node's API processes. */
    private readonly eventIdLocks: KeySetLocks,
  ) {}

  private lookups(commissioned: Map<string, string>): CaptureLookups {
    const models = this.models;
    return {
      batchOfTraceCode: async (code) => commissioned.get(code) ?? (await models.traceCode(code))?.batchId ?? null,
      dosesPerUnit: async (productCode) => (await models.product(productCode))?.dosesPerUnit ?? null,
      shipmentOf: async (fromSite, toSite, deliveryNoteNo) => {
        const rows: { shipmentId: string }[] = await models.dataSource.query(
          `SELECT data->>'shipmentId' AS "shipmentId" FROM "${models.schema}".rm_supply_event
            WHERE type = 'ShipmentDispatched' AND data->>'fromSite' = $1 AND data->>'toSite' = $2 AND data->>'deliveryNoteNo' = $3
            ORDER BY position DESC LIMIT 1`,
          [fromSite, toSite, deliveryNoteNo],
        );
        return rows[0]?.shipmentId ?? null;
      },
    };
  }

  private async plan(events: readonly unknown[], actor: Actor): Promise<{ planned: Planned[]; errors: CaptureError[] }> {
    const planned: Planned[] = [];
    const errors: CaptureError[] = [];
    // Units commissioned earlier in the same document are known to the events after it.
    const commissioned = new Map<string, string>();
    const lookups = this.lookups(commissioned);
    for (const [index, event] of events.entries()) {
      const eventID = typeof (event as { eventID?: unknown })?.eventID === 'string' ? (event as { eventID: string }).eventID : null;
      const fail = (code: string, detail: string): void => void errors.push({ eventIndex: index, eventID, code, detail });
      const given: unknown = typeof event === 'object' && event !== null ? (event as { eventID?: unknown }).eventID : undefined;
      const epcisEventId = eventID === null ? null : normalEventId(eventID);
      if (given !== undefined && epcisEventId === null) {
        fail('EPCIS_UNSUPPORTED_IDENTIFIER', 'eventID: an absolute URI (urn:uuid:…, or another URI) of at most 2048 characters');
        continue;
      }
      const translated = await translateEvent(event, actor.orgCode, lookups);
      if ('refusal' in translated) {
        fail(translated.refusal.code, translated.refusal.detail);
        continue;
      }
      const { command } = translated;
      if (!rolesOf(command.useCase).includes(actor.role)) {
        fail(
          'FORBIDDEN',
          `a ${actor.role} may not capture this event (${command.useCase}; allowed: ${rolesOf(command.useCase).join(', ')})`,
        );
        continue;
      }
      try {
        const body = (await this.pipe.transform(command.body, { type: 'body', metatype: GATES[command.useCase].dto })) as object;
        planned.push({ index, eventID, epcisEventId, command, body });
        if (command.useCase === 'registerBatch')
          for (const code of command.body.traceCodes ?? []) commissioned.set(code, `${command.body.productCode}-${command.body.lotNumber}`);
      } catch (error) {
        const { problem } = toProblem(error);
        fail(problem.code, [problem.detail, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.reason}`)].join('; '));
      }
    }
    errors.push(...(await this.takenEventIds(planned, events, actor)));
    return { planned, errors };
  }

  /**
   * An eventID already answered by another fact here (an event another organisation captured
   * with it, or one of our own ids) is refused: an eventID names one event. The facts this very
   * event became on an earlier capture by the same organisation are its own (a retry appends nothing).
   * Read from the supply-events read model, caught up under the document's eventID locks (see
   * `run`), so two captures racing with one new eventID are caught too.
   */
  private async takenEventIds(planned: readonly Planned[], events: readonly unknown[], actor: Actor): Promise<CaptureError[]> {
    const wanted = planned.filter((p) => p.epcisEventId !== null);
    if (wanted.length === 0) return [];
    const matches = wanted.map((p) => eventIdMatch(p.epcisEventId!)!);
    const rows: { eventId: string; epcisEventId: string | null }[] = await this.models.dataSource.query(
      `SELECT "eventId", "epcisEventId" FROM "${this.models.schema}".rm_supply_event
        WHERE "epcisEventId" = ANY($1::text[]) OR "eventId" = ANY($2::uuid[])`,
      [matches.map((m) => m.epcisEventId), matches.flatMap((m) => (m.ledgerId ? [m.ledgerId] : []))],
    );
    if (rows.length === 0) return [];
    const holders = new Map<string, string[]>();
    const hold = (id: string, eventId: string): void => void holders.set(id, [...(holders.get(id) ?? []), eventId]);
    for (const r of rows) {
      if (r.epcisEventId !== null) hold(r.epcisEventId, r.eventId);
      hold(`urn:uuid:${r.eventId}`, r.eventId);
    }
    const errors: CaptureError[] = [];
    for (const [i, p] of wanted.entries()) {
      const held = holders.get(matches[i]!.epcisEventId);
      if (!held) continue;
      const key = idempotencyKeyOf(events[p.index]);
      const own = new Set(Array.from({ length: FACTS_PER_EVENT }, (_, n) => keyedEventId(actor.orgCode, key, n)));
      if (held.some((eventId) => !own.has(eventId)))
        errors.push({
          eventIndex: p.index,
          eventID: p.eventID,
          code: 'EPCIS_EVENT_ID_TAKEN',
          detail: `another event here already has the eventID ${p.epcisEventId} (an eventID names one event)`,
        });
    }
    return errors;
  }

  /** A planned event as the command its use-case handler takes (the validated body, plus the id in its /v1 path). */
  private supplyOf(p: Planned): SupplyCommand {
    const c = p.command;
    const pathId = c.useCase === 'releaseBatch' ? { batchId: c.batchId } : c.useCase === 'receive' ? { shipmentId: c.shipmentId } : {};
    return { useCase: c.useCase, command: { ...pathId, ...p.body } } as SupplyCommand;
  }

  /** The document through RecordSupplyDocument; a refusal that only says "not now" runs it again. */
  private async record(planned: readonly Planned[], document: CapturedDocument, actor: Actor, correlationId: string) {
    const items = planned.map((p) => ({
      supply: this.supplyOf(p),
      idempotencyKey: idempotencyKeyOf(document.events[p.index], document.context),
      ...(p.epcisEventId ? { metadata: { [EPCIS_EVENT_ID_METADATA]: p.epcisEventId } } : {}),
    }));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.app.recordSupplyDocument.handle(items, actor, correlationId);
      } catch (error) {
        const { problem } = toProblem(error);
        if (attempt >= TRANSIENT_ATTEMPTS || !TRANSIENT.has(problem.code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  /** Plans and runs a document, then records the job's outcome. Never throws. */
  async run(captureId: string, document: CapturedDocument, actor: Actor, correlationId: string): Promise<void> {
    const { events } = document;
    let appended = 0;
    const errors: CaptureError[] = [];
    try {
      // Another capture of one of these eventIDs, here or in another API process, finishes
      // (appends or gives up) before this one looks whether the eventIDs are taken.
      await this.eventIdLocks.runAll(eventIdLockKeys(events), async () => {
        // The lookups must see what earlier captures (and /v1 commands) already appended.
        await this.catchUp();
        const plan = await this.plan(events, actor);
        errors.push(...plan.errors);
        if (errors.length > 0) return;
        const outcome = await this.record(plan.planned, document, actor, correlationId);
        if (outcome.ok) appended = outcome.appendedEvents;
        else
          for (const { index, error } of outcome.refusals) {
            const p = plan.planned[index]!;
            const { problem } = toProblem(error);
            errors.push({ eventIndex: p.index, eventID: p.eventID, code: problem.code, detail: problem.detail });
          }
      });
    } catch (error) {
      errors.push({
        eventIndex: -1,
        eventID: null,
        code: 'INTERNAL_ERROR',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
    await this.jobs.finish(captureId, errors.length === 0 ? 'success' : 'failed', appended, errors);
  }
}
