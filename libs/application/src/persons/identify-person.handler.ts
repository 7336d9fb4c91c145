import { type Actor, personLookedUp } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import { type AccessContext, recordAccess } from '../audit/record-access';
import { type Clock, type PersonGrants, siteOf, systemClock } from '../kernel/ports';
import { type IdentityDocument, pseudonymFor } from './pseudonym';

export type IdentifyPersonCommand = IdentityDocument;

/** Asks other provinces for what they hold of a person (sync's history pull); best effort. */
export interface PersonHistory {
  request(personId: string): Promise<unknown>;
}

export interface IdentifyPersonDeps {
  readonly store: EventStore;
  readonly grants: PersonGrants;
  /** Null where sync is off. */
  readonly history: PersonHistory | null;
  readonly provinceCode: string;
  readonly pseudonymSecret: string;
  readonly personGrantTtlMs: number;
  readonly clock?: Clock;
}

/**
 * IdentifyPerson: a clinic or CDC presents a person's ID document and gets the pseudonym. The
 * lookup is in the audit trail before the pseudonym leaves the node; the first lookup asks the
 * other provinces for the person's history; the site may then read the record for a while.
 */
export class IdentifyPersonHandler {
  constructor(private readonly deps: IdentifyPersonDeps) {}

  async handle(command: IdentifyPersonCommand, actor: Actor, access: AccessContext): Promise<{ personId: string }> {
    const personId = pseudonymFor(this.deps.pseudonymSecret, command, '');
    const accessedAt = (this.deps.clock ?? systemClock)();
    await recordAccess(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      access,
      personLookedUp({ personId, purpose: access.purpose, accessedAt }),
    );
    // Records from elsewhere arrive in the background; the record's `completeness` says how far.
    await this.deps.history?.request(personId).catch(() => false);
    await this.deps.grants.grantPerson(siteOf(actor), personId, this.deps.personGrantTtlMs);
    return { personId };
  }
}
