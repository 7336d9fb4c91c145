import type { OrgKind } from './organisation.events';

/** An organisation as a handler finds it in the organisation read model. */
export interface OrgFacts {
  readonly orgCode: string;
  readonly kind: OrgKind;
  readonly provinceCode: string;
  readonly parentOrgCode?: string;
}
