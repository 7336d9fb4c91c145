import { type Actor, type BatchFacts, type DispatchShipmentData, type OrgFacts, siteDecider, siteStream } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandRunner } from '../kernel/command-executor';
import { type CommandMeta, newResourceId } from '../kernel/command-meta';
import { batchFactsById, orgFacts } from '../kernel/facts';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';
import { checkLineTraceCodes } from './trace-codes';

/** A dispatch from the actor's site; the node names the shipment (from the idempotency key when there is one). */
export type DispatchShipmentCommand = Omit<DispatchShipmentData, 'shipmentId'>;

export type DispatchShipmentReads = Pick<
  ReadModels,
  'organisation' | 'batches' | 'product' | 'traceCodesOfBatch' | 'administeredAtSite' | 'usedTraceCodes'
>;

export interface DispatchShipmentDeps {
  readonly executor: CommandRunner;
  readonly reads: DispatchShipmentReads;
  readonly clock?: Clock;
}

/** The sender as the ledger knows it, else as the actor says it is (not registered yet). */
const senderOf = (actor: Actor, row: Parameters<typeof orgFacts>[0] | null): OrgFacts =>
  row
    ? orgFacts(row)
    : {
        orgCode: actor.orgCode,
        kind: actor.role === 'manufacturer' ? 'manufacturer' : actor.role === 'clinic' ? 'clinic' : 'cdc',
        provinceCode: actor.provinceCode,
      };

/** DispatchShipment: stock leaves the actor's site (ShipmentDispatched in the site's stream). */
export class DispatchShipmentHandler {
  constructor(private readonly deps: DispatchShipmentDeps) {}

  async handle(command: DispatchShipmentCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    checkLineTraceCodes(command.lines);
    const shipmentId = newResourceId('shipment', actor, meta);
    const now = (this.deps.clock ?? systemClock)();
    const models = this.deps.reads;
    const { answer } = await this.deps.executor.run({
      command: 'DispatchShipment',
      streamId: siteStream(actor.orgCode),
      resourceId: shipmentId,
      actor,
      body: command,
      ...meta,
      decide: async (history) => {
        const senderRow = await models.organisation(actor.orgCode);
        const receiverRow = await models.organisation(command.toSite);
        const batchIds = command.lines.map((l) => l.batchId);
        const batches: Record<string, BatchFacts> = await batchFactsById(models, batchIds);
        // A maker dispatching its own serialised batch: the codes it produced are checked too.
        for (const [id, facts] of Object.entries(batches))
          if (facts.mahOrgCode === actor.orgCode && facts.serialised)
            batches[id] = { ...facts, producedTraceCodes: await models.traceCodesOfBatch(id) };
        const codes = command.lines.flatMap((l) => l.traceCodes ?? []);
        return siteDecider.decide(
          {
            type: 'DispatchShipment',
            data: { ...command, shipmentId, lines: command.lines.map((l) => ({ ...l })) },
            context: {
              now,
              actor,
              sender: senderOf(actor, senderRow),
              receiver: receiverRow ? orgFacts(receiverRow) : null,
              batches,
              administeredHere: await models.administeredAtSite(actor.orgCode, batchIds),
              usedTraceCodes: await models.usedTraceCodes(codes),
            },
          },
          foldHistory(siteDecider, history),
        );
      },
    });
    return answer;
  }
}
