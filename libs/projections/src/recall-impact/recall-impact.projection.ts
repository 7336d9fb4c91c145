import type { RecordedEvent } from '@vaxledger/event-store';
import { type Projection, type ProjectionTx, bulkUpsert, originOf, payload, str } from '../framework/projection';

/**
 * Batch → every person dosed from it, with the site, time and the province to contact.
 * Kept apart from the person record so that a recall list is one indexed read.
 */
export const recallImpactProjection: Projection = {
  name: 'recall-impact',
  version: 1,
  tables: ['rm_recipient'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    let rows: Record<string, unknown>[] = [];
    const flush = async (): Promise<void> => {
      await bulkUpsert(
        tx,
        'rm_recipient',
        { eventId: 'uuid', batchId: 'text', personId: 'text', siteCode: 'text', administeredAt: 'text', originProvince: 'text' },
        rows,
        'ON CONFLICT ("eventId") DO NOTHING',
      );
      rows = [];
    };
    for (const event of events) {
      const p = payload(event);
      if (event.type === 'DoseAdministered') {
        rows.push({
          eventId: event.eventId,
          batchId: str(p, 'batchId'),
          personId: str(p, 'personId'),
          siteCode: str(p, 'siteCode'),
          administeredAt: str(p, 'administeredAt'),
          originProvince: originOf(event, ''),
        });
      } else if (event.type === 'DoseEnteredInError') {
        await flush();
        await tx.query(`UPDATE ${tx.table('rm_recipient')} SET voided = true WHERE "eventId" = $1`, [str(p, 'doseEventId')]);
      }
    }
    await flush();
  },
};
