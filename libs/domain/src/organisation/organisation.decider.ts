import { compact } from '../shared/assertions';
import type { BaseContext, Command, Decider } from '../shared/decider';
import { unreachable } from '../shared/domain-event';
import { RuleViolation } from '../shared/rule-violation';
import { organisationRegistered, type OrganisationEvent, type OrgKind } from './organisation.events';
import type { OrgFacts } from './organisation.facts';

export type RegisterOrganisation = Command<
  'RegisterOrganisation',
  { orgCode: string; name: string; kind: OrgKind; provinceCode: string; parentOrgCode?: string },
  BaseContext
>;
export type OrganisationCommand = RegisterOrganisation;

export type OrganisationState = { readonly status: 'new' } | { readonly status: 'registered'; readonly org: OrgFacts };

const initialState = (): OrganisationState => ({ status: 'new' });

// TODO(identifiers): use the GB/T 2260 validator (known prefixes) once ../identifiers lands.
const REGION_CODE = /^\d{6}$/;

const decide = (command: OrganisationCommand, state: OrganisationState): OrganisationEvent[] => {
  switch (command.type) {
    case 'RegisterOrganisation': {
      const { data } = command;
      if (state.status === 'registered') {
        throw new RuleViolation('ORGANISATION_EXISTS', `organisation ${data.orgCode} is already registered`, 'orgCode');
      }
      if (!REGION_CODE.test(data.provinceCode)) {
        throw new RuleViolation('INVALID_REGION_CODE', 'provinceCode must be a six-digit GB/T 2260 code', 'provinceCode');
      }
      const { orgCode, name, kind, provinceCode, parentOrgCode } = data;
      return [organisationRegistered({ orgCode, name, kind, provinceCode, parentOrgCode })];
    }
    default:
      return unreachable(command.type);
  }
};

const evolve = (state: OrganisationState, event: OrganisationEvent): OrganisationState => {
  switch (event.type) {
    case 'OrganisationRegistered': {
      const { orgCode, kind, provinceCode, parentOrgCode } = event.data;
      return { status: 'registered', org: compact({ orgCode, kind, provinceCode, parentOrgCode }) };
    }
    default:
      return unreachable(event.type);
  }
};

export const organisationDecider: Decider<OrganisationCommand, OrganisationEvent, OrganisationState> = {
  decide,
  evolve,
  initialState,
};
