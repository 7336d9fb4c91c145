import { createHash } from 'node:crypto';
import type { Application, CommandAnswer, CommandMeta } from '@vaxledger/application';
import { isReplayedAnswer } from '@vaxledger/application';
import type { Actor, Role } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import { ROLES_KEY } from '../../../auth/actor.guard';
import { BatchesController, ProduceBatchDto, ReleaseBatchDto } from '../../../features/batches/batches.controller';
import { DestroyUnitsDto, DestructionsController } from '../../../features/destructions/destructions.controller';
import { IssueRecallDto, RecallsController } from '../../../features/recalls/recalls.controller';
import { DispatchShipmentDto, ReceiveShipmentDto, ShipmentsController } from '../../../features/shipments/shipments.controller';
import { toProblem } from '../../../http/problem';
import { strictValidationPipe } from '../../../http/validation';
import { type CaptureError, type CaptureJobs } from './capture-jobs';
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

/** The event's own id, else a digest of its content: the same event captured twice is one command. */
export const idempotencyKeyOf = (event: unknown): string => {
  const id = typeof event === 'object' && event !== null ? (event as { eventID?: unknown }).eventID : undefined;
  const basis = typeof id === 'string' ? `id:${id}` : `content:${JSON.stringify(event)}`;
  return `epcis-${createHash('sha256').update(basis).digest('hex')}`;
};

/** Codes that say "not now" rather than "no", and how often a command is tried on them. */
const TRANSIENT: ReadonlySet<string> = new Set(['PROJECTION_LAG', 'STORE_UNAVAILABLE', 'STREAM_CONFLICT']);
const TRANSIENT_ATTEMPTS = 5;

/** Commands run at once, at most: each waits for the projector, and those waits overlap. */
const GROUP_SIZE = 16;

/**
 * Document order, but consecutive commissionings of different lots (each its own new batch
 * stream, none reading another's effects) run together; every other command runs alone, after
 * everything before it.
 */
export const concurrentGroups = (planned: readonly Planned[]): Planned[][] => {
  const groups: Planned[][] = [];
  let lots = new Set<string>();
  for (const p of planned) {
    const last = groups[groups.length - 1];
    const lot = p.command.useCase === 'registerBatch' ? `${p.command.body.productCode}-${p.command.body.lotNumber}` : null;
    const joinable =
      last !== undefined && lot !== null && last[0]!.command.useCase === 'registerBatch' && last.length < GROUP_SIZE && !lots.has(lot);
    if (joinable) last.push(p);
    else {
      groups.push([p]);
      lots = new Set();
    }
    if (lot) lots.add(lot);
  }
  return groups;
};

export interface Planned {
  readonly index: number;
  readonly eventID: string | null;
  readonly command: CaptureCommand;
  readonly body: object;
}

/**
 * Runs one captured document: every event is translated, role-gated and validated as its /v1
 * request would be before anything is appended (a document with one bad event appends nothing);
 * then each command goes, in document order, through the same use-case handler as /v1
 * (consecutive commissionings of different lots together, see concurrentGroups). A rule
 * refusal stops the document at that event; events before it stay appended (the log has no
 * transaction across streams) and capturing the corrected document again appends only what is
 * missing, since each event's command carries an idempotency key derived from its eventID.
 */
export class CaptureRunner {
  private readonly pipe = strictValidationPipe();

  constructor(
    private readonly app: Application,
    private readonly models: ReadModels,
    private readonly jobs: CaptureJobs,
    /** Waits until the read models reflect everything already in the log (read-your-writes). */
    private readonly catchUp: () => Promise<void>,
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
        planned.push({ index, eventID, command, body });
        if (command.useCase === 'registerBatch')
          for (const code of command.body.traceCodes ?? []) commissioned.set(code, `${command.body.productCode}-${command.body.lotNumber}`);
      } catch (error) {
        const { problem } = toProblem(error);
        fail(problem.code, [problem.detail, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.reason}`)].join('; '));
      }
    }
    return { planned, errors };
  }

  /**
   * A command refused only because the node is momentarily behind (the projector lags, the store
   * is briefly unreachable) is tried again: the same idempotency key makes a retry safe.
   */
  private async executeWithRetry(p: Planned, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.execute(p, actor, meta);
      } catch (error) {
        const { problem } = toProblem(error);
        if (attempt >= TRANSIENT_ATTEMPTS || !TRANSIENT.has(problem.code)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private execute(p: Planned, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const c = p.command;
    const body = p.body as never;
    switch (c.useCase) {
      case 'registerBatch':
        return this.app.registerBatch.handle(body, actor, meta);
      case 'releaseBatch':
        return this.app.releaseBatch.handle(
          { batchId: c.batchId, ...(p.body as { certificateNo: string; decidedOn: string }) },
          actor,
          meta,
        );
      case 'dispatch':
        return this.app.dispatchShipment.handle(body, actor, meta);
      case 'receive':
        return this.app.receiveShipment.handle({ shipmentId: c.shipmentId, ...(p.body as object) } as never, actor, meta);
      case 'destroy':
        return this.app.destroyUnits.handle(body, actor, meta);
      case 'recall':
        return this.app.launchRecall.handle(body, actor, meta);
    }
  }

  /** Plans and runs a document, then records the job's outcome. Never throws. */
  async run(captureId: string, events: readonly unknown[], actor: Actor, correlationId: string): Promise<void> {
    let appended = 0;
    const errors: CaptureError[] = [];
    try {
      // The lookups must see what earlier captures (and /v1 commands) already appended.
      await this.catchUp();
      const plan = await this.plan(events, actor);
      errors.push(...plan.errors);
      if (errors.length === 0)
        for (const group of concurrentGroups(plan.planned)) {
          const outcomes = await Promise.allSettled(
            group.map((p) => this.executeWithRetry(p, actor, { correlationId, idempotencyKey: idempotencyKeyOf(events[p.index]) })),
          );
          outcomes.forEach((outcome, i) => {
            const p = group[i]!;
            if (outcome.status === 'fulfilled') {
              if (!isReplayedAnswer(outcome.value)) appended += outcome.value.eventIds.length;
            } else {
              const { problem } = toProblem(outcome.reason);
              errors.push({ eventIndex: p.index, eventID: p.eventID, code: problem.code, detail: problem.detail });
            }
          });
          if (errors.length > 0) break;
        }
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
