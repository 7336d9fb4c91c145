import type { RecordedEvent } from '@vaxledger/event-store';
import { type Projection, type ProjectionTx, bulkUpsert, payload, str } from '../framework/projection';

/** `person-{province}-{personId}`: the person a dose-level event of a person stream is about. */
const personOfStream = (streamId: string): string | null => {
  const match = /^person-\d{6}-(p1[a-z2-7]{26})$/.exec(streamId);
  return match ? match[1]! : null;
};

/** When the event's origin recorded it: its own time for a local event, the carried one for an import. */
const originTimeOf = (event: RecordedEvent): string => {
  const carried = event.metadata.originRecordedAt;
  const at = typeof carried === 'string' ? new Date(carried) : null;
  return (at && !Number.isNaN(at.getTime()) ? at : event.recordedAt).toISOString();
};

/**
 * What revokes a person's signed certificates (docs/adr/0018-signed-certificates.md): a dose
 * entered in error, or the person's details erased. Both events reach every province that holds
 * the person's record, so every node derives the same list from its own log. The time is when
 * the origin recorded the event (an import keeps it as `originRecordedAt`), never when this node
 * imported it: a province that learns of a correction late must not revoke the cards issued
 * after it (version 2; version 1 took the local time).
 */
export const certificateRevocationsProjection: Projection = {
  name: 'certificate-revocations',
  // 2: the origin's time of the event, not this node's import time.
  version: 2,
  tables: ['rm_certificate_revocation'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    const rows: Record<string, unknown>[] = [];
    for (const event of events) {
      if (event.type !== 'DoseEnteredInError' && event.type !== 'PersonDetailsErased') continue;
      const p = payload(event);
      const personId = event.type === 'PersonDetailsErased' ? str(p, 'personId') : personOfStream(event.streamId);
      if (!personId) continue;
      rows.push({
        eventId: event.eventId,
        personId,
        reason: event.type === 'DoseEnteredInError' ? 'dose_entered_in_error' : 'person_details_erased',
        revokedAt: originTimeOf(event),
        position: event.position.toString(),
      });
    }
    await bulkUpsert(
      tx,
      'rm_certificate_revocation',
      { eventId: 'uuid', personId: 'text', reason: 'text', revokedAt: 'timestamptz', position: 'bigint' },
      rows,
      'ON CONFLICT ("eventId") DO NOTHING',
    );
  },
};
