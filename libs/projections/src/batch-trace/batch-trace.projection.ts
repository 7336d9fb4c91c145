import { siteOfStream } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';
import { DeltaMap, type Projection, type ProjectionTx, bulkUpsert, list, num, originOf, payload, str } from '../framework/projection';

interface Line {
  batchId: string;
  quantity?: number;
  accepted?: number;
}

/** The events other than doses that this read model writes for. */
const HANDLED = new Set([
  'BatchProduced',
  'BatchReleased',
  'BatchReleaseRefused',
  'ShipmentDispatched',
  'ShipmentReceived',
  'UnitsDestroyed',
  'BatchRecalled',
  'RecallLifted',
]);

/**
 * A batch's whole story for regulators: release and recall state, the ordered custody
 * chain, doses per site and what was destroyed. Stock per site comes from site-inventory.
 */
export const batchTraceProjection: Projection = {
  name: 'batch-trace',
  version: 1,
  tables: ['rm_batch', 'rm_custody', 'rm_batch_site_doses', 'rm_recall'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    // Doses dominate the log: their counters are summed per batch and site and written once.
    const siteDoses = new DeltaMap(['batchId', 'siteCode'], ['count']);
    const flush = async (): Promise<void> => {
      if (siteDoses.size === 0) return;
      const rows = siteDoses.drain();
      await bulkUpsert(
        tx,
        'rm_batch_site_doses',
        { batchId: 'text', siteCode: 'text', count: 'int' },
        rows,
        `ON CONFLICT ("batchId", "siteCode") DO UPDATE SET count = ${tx.table('rm_batch_site_doses')}.count + EXCLUDED.count`,
      );
      await tx.query(
        `UPDATE ${tx.table('rm_batch')} b SET administered = b.administered + d.n
           FROM (SELECT "batchId", sum(count)::int AS n FROM jsonb_to_recordset($1::jsonb) AS x("batchId" text, count int) GROUP BY "batchId") d
          WHERE b."batchId" = d."batchId"`,
        [JSON.stringify(rows)],
      );
    };
    const custody = async (
      event: RecordedEvent,
      batchId: string,
      type: string,
      at: string,
      from: string | null,
      to: string | null,
      quantity: number,
    ): Promise<void> => {
      await tx.query(
        `INSERT INTO ${tx.table('rm_custody')} ("eventId", "batchId", type, at, "fromSite", "toSite", quantity, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [event.eventId, batchId, type, at, from, to, quantity, event.position.toString()],
      );
    };

    for (const event of events) {
      const p = payload(event);
      if (event.type === 'DoseAdministered') {
        siteDoses.add({ batchId: str(p, 'batchId'), siteCode: str(p, 'siteCode') }, { count: 1 });
        continue;
      }
      if (event.type === 'DoseEnteredInError') {
        if (p.batchId) siteDoses.add({ batchId: str(p, 'batchId'), siteCode: str(p, 'siteCode') }, { count: -1 });
        continue;
      }
      // Events this read model ignores (persons registered with their doses, …) keep the dose counters pending.
      if (!HANDLED.has(event.type)) continue;
      await flush();
      switch (event.type) {
        case 'BatchProduced':
          await tx.query(
            `INSERT INTO ${tx.table('rm_batch')} ("batchId", "productCode", "lotNumber", "mahOrgCode", "producedOn", "expiresOn", quantity, "originProvince", position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ("batchId") DO NOTHING`,
            [
              str(p, 'batchId'),
              str(p, 'productCode'),
              str(p, 'lotNumber'),
              str(p, 'mahOrgCode'),
              str(p, 'producedOn'),
              str(p, 'expiresOn'),
              num(p, 'quantity'),
              originOf(event, ''),
              event.position.toString(),
            ],
          );
          await custody(event, str(p, 'batchId'), 'produced', str(p, 'producedOn'), null, str(p, 'mahOrgCode'), num(p, 'quantity'));
          break;
        case 'BatchReleased':
        case 'BatchReleaseRefused':
          await tx.query(`UPDATE ${tx.table('rm_batch')} SET "releaseState" = $2, release = $3 WHERE "batchId" = $1`, [
            str(p, 'batchId'),
            event.type === 'BatchReleased' ? 'released' : 'refused',
            JSON.stringify(p),
          ]);
          await custody(
            event,
            str(p, 'batchId'),
            event.type === 'BatchReleased' ? 'released' : 'release_refused',
            str(p, 'decidedOn'),
            null,
            null,
            0,
          );
          break;
        case 'ShipmentDispatched':
          for (const line of list<Line>(p, 'lines'))
            await custody(
              event,
              line.batchId,
              'dispatched',
              str(p, 'dispatchedAt'),
              str(p, 'fromSite') || siteOfStream(event.streamId),
              str(p, 'toSite'),
              line.quantity ?? 0,
            );
          break;
        case 'ShipmentReceived':
          for (const line of list<Line>(p, 'lines'))
            await custody(
              event,
              line.batchId,
              'received',
              str(p, 'receivedAt'),
              str(p, 'fromSite') || null,
              siteOfStream(event.streamId),
              line.accepted ?? 0,
            );
          break;
        case 'UnitsDestroyed':
          for (const line of list<Line>(p, 'lines')) {
            await custody(event, line.batchId, 'destroyed', str(p, 'destroyedAt'), siteOfStream(event.streamId), null, line.quantity ?? 0);
            await tx.query(`UPDATE ${tx.table('rm_batch')} SET destroyed = destroyed + $2 WHERE "batchId" = $1`, [
              line.batchId,
              line.quantity ?? 0,
            ]);
          }
          break;
        case 'BatchRecalled': {
          const batchIds = list<string>(p, 'batchIds');
          await tx.query(
            `INSERT INTO ${tx.table('rm_recall')} ("recallId", "batchIds", kind, level, details, position)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("recallId") DO NOTHING`,
            [str(p, 'recallId'), JSON.stringify(batchIds), str(p, 'kind'), num(p, 'level'), JSON.stringify(p), event.position.toString()],
          );
          for (const batchId of batchIds) {
            await recomputeRecallState(tx, batchId);
            await custody(event, batchId, p.kind === 'suspension' ? 'suspended' : 'recalled', str(p, 'effectiveAt'), null, null, 0);
          }
          break;
        }
        case 'RecallLifted': {
          await tx.query(`UPDATE ${tx.table('rm_recall')} SET lifted = true, lift = $2 WHERE "recallId" = $1`, [
            str(p, 'recallId'),
            JSON.stringify(p),
          ]);
          for (const batchId of list<string>(p, 'batchIds')) {
            await recomputeRecallState(tx, batchId);
            await custody(event, batchId, 'recall_lifted', event.recordedAt.toISOString(), null, null, 0);
          }
          break;
        }
        default:
          break;
      }
    }
    await flush();
  },
};

const recomputeRecallState = async (tx: ProjectionTx, batchId: string): Promise<void> => {
  await tx.query(
    `UPDATE ${tx.table('rm_batch')} b SET
        recalled = EXISTS (SELECT 1 FROM ${tx.table('rm_recall')} r WHERE r."batchIds" ? b."batchId" AND r.kind = 'recall' AND NOT r.lifted),
        suspended = EXISTS (SELECT 1 FROM ${tx.table('rm_recall')} r WHERE r."batchIds" ? b."batchId" AND r.kind = 'suspension' AND NOT r.lifted),
        "recallIds" = coalesce((SELECT jsonb_agg(r."recallId" ORDER BY r.position) FROM ${tx.table('rm_recall')} r WHERE r."batchIds" ? b."batchId"), '[]'::jsonb)
      WHERE b."batchId" = $1`,
    [batchId],
  );
};
