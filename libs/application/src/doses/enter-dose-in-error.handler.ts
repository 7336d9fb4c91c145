import { type Actor, personDecider, personStream, RuleViolation } from '@vaxledger/domain';
import type { ReadModels } from '@vaxledger/projections';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { ApplicationError } from '../kernel/errors';
import { foldHistory } from '../kernel/fold';
import { type AccessPolicy, enforce } from '../kernel/access';
import { type Clock, systemClock } from '../kernel/ports';

export type DoseErrorReason = 'did_not_occur' | 'wrong_person' | 'duplicate_entry' | 'other';

export interface EnterDoseInErrorCommand {
  /** The DoseAdministered event to void. */
  readonly eventId: string;
  readonly reasonCode: DoseErrorReason;
}

export interface EnterDoseInErrorDeps {
  readonly executor: CommandExecutor;
  readonly reads: Pick<ReadModels, 'dose'>;
  readonly access: Pick<AccessPolicy, 'mayVoidDose'>;
  readonly provinceCode: string;
  readonly clock?: Clock;
}

/** EnterDoseInError: void a dose recorded in error (DoseEnteredInError); stock and unit use are restored. */
export class EnterDoseInErrorHandler {
  constructor(private readonly deps: EnterDoseInErrorDeps) {}

  async handle(command: EnterDoseInErrorCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const { eventId, reasonCode } = command;
    const unknown = (): RuleViolation => new RuleViolation('UNKNOWN_DOSE', `no dose ${eventId} on this node`);
    const dose = await this.deps.reads.dose(eventId);
    if (!dose) throw unknown();
    // A dose out of the actor's reach reads exactly like an unknown one.
    enforce(await this.deps.access.mayVoidDose(actor, dose.siteCode), unknown);
    if (dose.originProvince !== this.deps.provinceCode)
      throw new ApplicationError('FORBIDDEN', 'only the province that recorded a dose may void it');
    const now = (this.deps.clock ?? systemClock)();
    const { answer } = await this.deps.executor.run({
      command: 'EnterDoseInError',
      streamId: personStream(this.deps.provinceCode, dose.personId),
      resourceId: dose.personId,
      actor,
      body: { eventId, reasonCode },
      ...meta,
      decide: async (history) =>
        personDecider.decide(
          { type: 'EnterDoseInError', data: { doseEventId: eventId, reasonCode }, context: { now, actor } },
          foldHistory(personDecider, history),
        ),
    });
    return answer;
  }
}
