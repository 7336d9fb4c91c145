import { type Actor, type ReceiveShipmentData, RuleViolation, siteDecider, siteStream } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import { type AccessPolicy, enforce } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandRunner } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { batchFactsById, shipmentFacts } from '../kernel/facts';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';
import { checkLineTraceCodes } from './trace-codes';

/** A receipt at the actor's site of the shipment named by `shipmentId`. */
export type ReceiveShipmentCommand = ReceiveShipmentData;

export interface ReceiveShipmentDeps {
  readonly executor: CommandRunner;
  readonly reads: Pick<ReadModels, 'shipment' | 'batches' | 'product'>;
  readonly access: Pick<AccessPolicy, 'mayReceiveShipment'>;
  readonly clock?: Clock;
}

/**
 * ReceiveShipment: goods arrive at the actor's site (ShipmentReceived). A dispatch that has not
 * synced yet is not a refusal: the decider quarantines the goods until it arrives.
 */
export class ReceiveShipmentHandler {
  constructor(private readonly deps: ReceiveShipmentDeps) {}

  async handle(command: ReceiveShipmentCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { shipmentId, ...receipt } = command;
    checkLineTraceCodes(command.lines);
    const now = (this.deps.clock ?? systemClock)();
    const models = this.deps.reads;
    const { answer } = await this.deps.executor.run({
      command: 'ReceiveShipment',
      streamId: siteStream(actor.orgCode),
      resourceId: shipmentId,
      actor,
      body: receipt,
      ...meta,
      decide: async (history) => {
        const dispatch = await models.shipment(shipmentId);
        enforce(
          await this.deps.access.mayReceiveShipment(actor, dispatch),
          () => new RuleViolation('UNKNOWN_SHIPMENT', `no shipment ${shipmentId}`, 'shipmentId'),
        );
        return siteDecider.decide(
          {
            type: 'ReceiveShipment',
            data: {
              ...receipt,
              shipmentId,
              lines: command.lines.map((l) => ({ ...l })),
              verification: { ...command.verification },
              ...(command.temperatureLog
                ? {
                    temperatureLog: {
                      deviceId: command.temperatureLog.deviceId,
                      readings: command.temperatureLog.readings.map((r) => ({ ...r })),
                    },
                  }
                : {}),
            },
            context: {
              now,
              actor,
              dispatch: dispatch ? shipmentFacts(dispatch) : null,
              batches: await batchFactsById(
                models,
                command.lines.map((l) => l.batchId),
              ),
            },
          },
          foldHistory(siteDecider, history),
        );
      },
    });
    return answer;
  }
}
