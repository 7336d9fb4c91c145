import { randomUUID } from 'node:crypto';
import { type AccessEvent, type Actor, auditStream, localDateOf, type PurposeOfUse } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import { ApplicationError } from '../kernel/errors';

/** Why and by whom personal data is read: the entry point gathers it (HTTP: X-Purpose-Of-Use, X-Staff-Ref). */
export interface AccessContext {
  readonly purpose: PurposeOfUse;
  readonly staffRef?: string;
  readonly correlationId: string;
}

/**
 * Appends an access event to the caller organisation's audit stream for the day, in the
 * node's own log. The read is answered only after the append committed: when the trail
 * cannot be written the read fails with 503 AUDIT_UNAVAILABLE and nothing is disclosed.
 */
export const recordAccess = (
  store: EventStore,
  provinceCode: string,
  actor: Actor,
  context: AccessContext,
  event: AccessEvent,
): Promise<void> => recordAccesses(store, provinceCode, actor, context, [event]);

/**
 * Several access events of one read (a page that shows many persons), as `recordAccess` writes
 * each: one append per day stream (one, as a rule), so a page of 100 persons is one commit, not
 * 100. All are written or none; nothing to write, nothing appended.
 */
export const recordAccesses = async (
  store: EventStore,
  provinceCode: string,
  actor: Actor,
  context: AccessContext,
  events: readonly AccessEvent[],
): Promise<void> => {
  const staffRef = context.staffRef ?? actor.staffRef;
  const metadata = {
    ...(context.correlationId ? { correlationId: context.correlationId } : {}),
    actor: {
      orgCode: actor.orgCode,
      role: actor.role,
      provinceCode: actor.provinceCode,
      ...(actor.siteCode ? { siteCode: actor.siteCode } : {}),
      ...(staffRef ? { staffRef } : {}),
    },
    originProvince: provinceCode,
  };
  const byStream = new Map<string, AccessEvent[]>();
  for (const event of events) {
    const stream = auditStream(actor.orgCode, localDateOf(event.data.accessedAt));
    byStream.set(stream, [...(byStream.get(stream) ?? []), event]);
  }
  try {
    for (const [stream, group] of byStream)
      await store.append(
        stream,
        group.map((event) => ({ eventId: randomUUID(), type: event.type, schemaVersion: event.schemaVersion, data: event.data, metadata })),
        // Many reads at once from one organisation: no revision check, the log orders them.
        { expected: 'any' },
      );
  } catch {
    throw new ApplicationError('AUDIT_UNAVAILABLE', 'the read could not be recorded in the audit trail, so it was not answered; try again');
  }
};
