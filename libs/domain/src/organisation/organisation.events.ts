import type { DomainEvent } from '../shared/domain-event';
import { compact } from '../shared/assertions';

export const ORG_KINDS = ['manufacturer', 'distributor', 'cdc', 'clinic', 'regulator'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export type OrganisationRegistered = DomainEvent<
  'OrganisationRegistered',
  1,
  {
    orgCode: string;
    name: string;
    kind: OrgKind;
    /** GB/T 2260 code of the organisation's province, city or county. */
    provinceCode: string;
    /** The supervising CDC (a clinic's county CDC, a county CDC's city CDC). */
    parentOrgCode?: string;
  }
>;

export type OrganisationEvent = OrganisationRegistered;

export const organisationRegistered = (data: OrganisationRegistered['data']): OrganisationRegistered => ({
  type: 'OrganisationRegistered',
  schemaVersion: 1,
  data: compact(data),
});
