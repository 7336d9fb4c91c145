/**
 * A fact as the domain sees it: an explicit past-tense `type` (never a class name, so a
 * rename or a minifier cannot orphan stored events), a `schemaVersion` that is bumped on
 * any payload change, and the payload. Metadata (event id, actor, origin, times) is added
 * by the command handler beside the event, so deciders only ever see facts.
 */
export type DomainEvent<T extends string, V extends number, D> = Readonly<{
  type: T;
  schemaVersion: V;
  data: Readonly<D>;
}>;

/** Who appended an event; carried in metadata, never in the payload. */
export interface Actor {
  readonly orgCode: string;
  readonly role: Role;
  readonly provinceCode: string;
  readonly siteCode?: string;
  readonly staffRef?: string;
}

export const ROLES = ['manufacturer', 'cdc', 'clinic', 'regulator', 'hub', 'healthcode'] as const;
export type Role = (typeof ROLES)[number];

/** Exhaustiveness guard: a new union member breaks the build where it is not handled. */
export const unreachable = (value: never): never => {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
};
