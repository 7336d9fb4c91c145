import {
  type Actor,
  organisationDecider,
  orgStream,
  parseOrgCode,
  parseProvinceCode,
  type RegisterOrganisation,
  RuleViolation,
} from '@vaxledger/domain';
import { type AccessPolicy, enforce } from '../kernel/access';
import type { CommandAnswer } from '../kernel/command-answer';
import type { CommandExecutor } from '../kernel/command-executor';
import type { CommandMeta } from '../kernel/command-meta';
import { ApplicationError } from '../kernel/errors';
import { foldHistory } from '../kernel/fold';
import { type Clock, systemClock } from '../kernel/ports';

/** An organisation as the registering authority writes it; codes are checked and normalised here. */
export type RegisterOrganisationCommand = RegisterOrganisation['data'];

export interface RegisterOrganisationDeps {
  readonly executor: CommandExecutor;
  readonly access: Pick<AccessPolicy, 'mayRegisterOrganisation'>;
  readonly clock?: Clock;
}

/** RegisterOrganisation: a regulator or CDC registers a maker, CDC, clinic or regulator (OrganisationRegistered). */
export class RegisterOrganisationHandler {
  constructor(private readonly deps: RegisterOrganisationDeps) {}

  async handle(command: RegisterOrganisationCommand, actor: Actor, meta: CommandMeta): Promise<CommandAnswer> {
    const org = parseOrgCode(command.orgCode);
    if (!org.ok) throw new RuleViolation('INVALID_ORG_CODE', `orgCode: ${org.reason}`, 'orgCode');
    const province = parseProvinceCode(command.provinceCode);
    if (!province.ok) throw new RuleViolation('INVALID_REGION_CODE', `provinceCode: ${province.reason}`, 'provinceCode');
    // The caller named the province itself: a refusal here is said openly.
    enforce(
      await this.deps.access.mayRegisterOrganisation(actor, province.value),
      () => new ApplicationError('NOT_FOUND', 'no such resource'),
    );
    if (command.parentOrgCode !== undefined && !parseOrgCode(command.parentOrgCode).ok)
      throw new RuleViolation('INVALID_ORG_CODE', 'parentOrgCode is not a valid organisation code', 'parentOrgCode');
    const orgCode = org.value;
    const now = (this.deps.clock ?? systemClock)();
    const { answer } = await this.deps.executor.run({
      command: 'RegisterOrganisation',
      streamId: orgStream(orgCode),
      resourceId: orgCode,
      actor,
      body: command,
      ...meta,
      decide: async (history) =>
        organisationDecider.decide(
          {
            type: 'RegisterOrganisation',
            data: {
              orgCode,
              name: command.name,
              kind: command.kind,
              provinceCode: province.value,
              ...(command.parentOrgCode ? { parentOrgCode: command.parentOrgCode } : {}),
            },
            context: { now, actor },
          },
          foldHistory(organisationDecider, history),
        ),
    });
    return answer;
  }
}
