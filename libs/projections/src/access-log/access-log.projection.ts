import { ACCESS_EVENT_TYPES } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';
import { type Projection, type ProjectionTx, bulkUpsert, optStr, payload, str } from '../framework/projection';

const ACCESS_TYPES: ReadonlySet<string> = new Set(ACCESS_EVENT_TYPES);
/** Payload fields with a column of their own; the rest goes to `detail`. */
const COLUMNS: ReadonlySet<string> = new Set(['personId', 'batchId', 'purpose', 'accessedAt']);

/**
 * The audit trail's access events, indexed by person, batch and time so that a regulator
 * can ask "who read this person's record" or "who exported this recall list" without
 * scanning the log. The log stays the record; this is only its index.
 */
export const accessLogProjection: Projection = {
  name: 'access-log',
  version: 1,
  tables: ['rm_access'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    const rows = events
      .filter((event) => ACCESS_TYPES.has(event.type))
      .map((event) => {
        const p = payload(event);
        const actor = event.metadata.actor;
        const detail = Object.fromEntries(Object.entries(p).filter(([key]) => !COLUMNS.has(key)));
        return {
          eventId: event.eventId,
          position: event.position.toString(),
          streamId: event.streamId,
          type: event.type,
          personId: optStr(p, 'personId'),
          batchId: optStr(p, 'batchId'),
          purpose: str(p, 'purpose'),
          accessedAt: optStr(p, 'accessedAt') ?? event.recordedAt.toISOString(),
          orgCode: actor?.orgCode ?? '',
          role: actor?.role ?? '',
          provinceCode: actor?.provinceCode ?? '',
          staffRef: actor?.staffRef ?? null,
          detail,
        };
      });
    await bulkUpsert(
      tx,
      'rm_access',
      {
        eventId: 'uuid',
        position: 'bigint',
        streamId: 'text',
        type: 'text',
        personId: 'text',
        batchId: 'text',
        purpose: 'text',
        accessedAt: 'timestamptz',
        orgCode: 'text',
        role: 'text',
        provinceCode: 'text',
        staffRef: 'text',
        detail: 'jsonb',
      },
      rows,
      'ON CONFLICT ("eventId") DO NOTHING',
    );
  },
};
