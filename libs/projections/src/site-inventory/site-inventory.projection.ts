import { siteOfStream } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';
import { DeltaMap, type Projection, type ProjectionTx, bulkUpsert, list, num, optStr, payload, str } from '../framework/projection';

interface Line {
  batchId: string;
  quantity?: number;
  accepted?: number;
  traceCodes?: string[];
}

/**
 * Stock per site and batch (available, quarantined, administered, destroyed) and the
 * shipments between sites. A receipt whose dispatch has not arrived yet (another
 * province, not synced) puts its goods in quarantine until the dispatch matches it.
 */
export const siteInventoryProjection: Projection = {
  name: 'site-inventory',
  // 2: shipments keep their delivery note number (the shipment list searches by it).
  version: 2,
  tables: ['rm_stock', 'rm_shipment', 'rm_unmatched_receipt'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    const stock = new DeltaMap(['site', 'batchId'], ['available', 'quarantined', 'administered', 'destroyed']);
    const flush = async (): Promise<void> => {
      if (stock.size === 0) return;
      const t = tx.table('rm_stock');
      await bulkUpsert(
        tx,
        'rm_stock',
        { site: 'text', batchId: 'text', available: 'int', quarantined: 'int', administered: 'int', destroyed: 'int' },
        stock.drain(),
        `ON CONFLICT (site, "batchId") DO UPDATE SET available = ${t}.available + EXCLUDED.available,
           quarantined = ${t}.quarantined + EXCLUDED.quarantined, administered = ${t}.administered + EXCLUDED.administered,
           destroyed = ${t}.destroyed + EXCLUDED.destroyed`,
      );
    };

    for (const event of events) {
      const p = payload(event);
      switch (event.type) {
        case 'BatchProduced':
          stock.add({ site: str(p, 'mahOrgCode'), batchId: str(p, 'batchId') }, { available: num(p, 'quantity') });
          break;
        case 'DoseAdministered':
          stock.add({ site: str(p, 'siteCode'), batchId: str(p, 'batchId') }, { available: -1, administered: 1 });
          break;
        case 'DoseEnteredInError':
          if (p.batchId) stock.add({ site: str(p, 'siteCode'), batchId: str(p, 'batchId') }, { available: 1, administered: -1 });
          break;
        case 'UnitsDestroyed':
          for (const line of list<Line>(p, 'lines'))
            stock.add(
              { site: siteOfStream(event.streamId), batchId: line.batchId },
              { available: -(line.quantity ?? 0), destroyed: line.quantity ?? 0 },
            );
          break;
        case 'ShipmentDispatched': {
          const from = str(p, 'fromSite') || siteOfStream(event.streamId);
          for (const line of list<Line>(p, 'lines')) stock.add({ site: from, batchId: line.batchId }, { available: -(line.quantity ?? 0) });
          await flush();
          await tx.query(
            `INSERT INTO ${tx.table('rm_shipment')} ("shipmentId", "fromSite", "toSite", "toProvince", "billType", "dispatchedAt", "deliveryNoteNo", lines, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT ("shipmentId") DO NOTHING`,
            [
              str(p, 'shipmentId'),
              from,
              str(p, 'toSite'),
              optStr(p, 'toProvince'),
              optStr(p, 'billType'),
              str(p, 'dispatchedAt'),
              optStr(p, 'deliveryNoteNo'),
              JSON.stringify(list(p, 'lines')),
              event.position.toString(),
            ],
          );
          // Goods that arrived before their data: release them from quarantine now.
          const unmatched = await tx.query<{ site: string; lines: Line[] }>(
            `DELETE FROM ${tx.table('rm_unmatched_receipt')} WHERE "shipmentId" = $1 RETURNING site, lines`,
            [str(p, 'shipmentId')],
          );
          for (const receipt of unmatched) {
            for (const line of receipt.lines)
              stock.add(
                { site: receipt.site, batchId: line.batchId },
                { available: line.accepted ?? 0, quarantined: -(line.accepted ?? 0) },
              );
            await tx.query(`UPDATE ${tx.table('rm_shipment')} SET received = true WHERE "shipmentId" = $1`, [str(p, 'shipmentId')]);
          }
          break;
        }
        case 'ShipmentReceived': {
          await flush();
          const site = siteOfStream(event.streamId);
          const lines = list<Line>(p, 'lines');
          const matched = await tx.query<{ shipmentId: string }>(
            `UPDATE ${tx.table('rm_shipment')} SET received = true, receipt = $2 WHERE "shipmentId" = $1 RETURNING "shipmentId"`,
            [str(p, 'shipmentId'), JSON.stringify(p)],
          );
          if (matched.length > 0) {
            for (const line of lines) stock.add({ site, batchId: line.batchId }, { available: line.accepted ?? 0 });
          } else {
            for (const line of lines) stock.add({ site, batchId: line.batchId }, { quarantined: line.accepted ?? 0 });
            await tx.query(
              `INSERT INTO ${tx.table('rm_unmatched_receipt')} ("shipmentId", site, lines) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
              [str(p, 'shipmentId'), site, JSON.stringify(lines)],
            );
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
