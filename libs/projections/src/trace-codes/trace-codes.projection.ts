import { siteOfStream } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';
import { DeltaMap, type Projection, type ProjectionTx, bulkUpsert, list, payload, str } from '../framework/projection';

interface Line {
  batchId: string;
  traceCodes?: string[];
  accepted?: number;
  shipped?: number;
}

/**
 * Where each coded unit is and what became of it. Reads rm_product (master-data, applied
 * earlier in the same batch) for the product's doses per unit.
 */
export const traceCodesProjection: Projection = {
  name: 'trace-codes',
  // 2: units a receipt refused are `rejected` (they stayed `in_transit` for good before).
  version: 2,
  tables: ['rm_trace_code'],
  // Reads a product's doses per unit from master data.
  readsFrom: ['master-data'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    const drawn = new DeltaMap(['code'], ['dosesDrawn']);
    const flush = async (): Promise<void> => {
      if (drawn.size === 0) return;
      await tx.query(
        `UPDATE ${tx.table('rm_trace_code')} t SET "dosesDrawn" = t."dosesDrawn" + d."dosesDrawn",
            state = CASE WHEN t.state IN ('in_stock', 'administered')
                         THEN CASE WHEN t."dosesDrawn" + d."dosesDrawn" > 0 THEN 'administered' ELSE 'in_stock' END
                         ELSE t.state END
           FROM jsonb_to_recordset($1::jsonb) AS d(code text, "dosesDrawn" int)
          WHERE t.code = d.code`,
        [JSON.stringify(drawn.drain())],
      );
    };
    /** Sets the units' state and holder, and the shipment carrying them when one is given. */
    const move = async (codes: readonly string[], state: string, holder: string | null, shipmentId?: string): Promise<void> => {
      if (codes.length === 0) return;
      const params: unknown[] = [codes, state, holder];
      if (shipmentId !== undefined) params.push(shipmentId);
      await tx.query(
        `UPDATE ${tx.table('rm_trace_code')} SET state = $2, "holderSite" = $3${shipmentId === undefined ? '' : ', "shipmentId" = $4'}
          WHERE code = ANY($1::text[])`,
        params,
      );
    };

    for (const event of events) {
      const p = payload(event);
      if (event.type === 'DoseAdministered' || event.type === 'DoseEnteredInError') {
        const code = p.traceCode;
        if (typeof code === 'string' && code) drawn.add({ code }, { dosesDrawn: event.type === 'DoseAdministered' ? 1 : -1 });
        continue;
      }
      await flush();
      switch (event.type) {
        case 'BatchProduced': {
          const codes = list<string>(p, 'traceCodes');
          if (codes.length === 0) break;
          const products = await tx.query<{ dosesPerUnit: number }>(
            `SELECT "dosesPerUnit" FROM ${tx.table('rm_product')} WHERE "productCode" = $1`,
            [str(p, 'productCode')],
          );
          const perUnit = products[0]?.dosesPerUnit ?? 1;
          await bulkUpsert(
            tx,
            'rm_trace_code',
            { code: 'text', batchId: 'text', level: 'int', holderSite: 'text', state: 'text', dosesPerUnit: 'int' },
            codes.map((code) => ({
              code,
              batchId: str(p, 'batchId'),
              level: 1,
              holderSite: str(p, 'mahOrgCode'),
              state: 'in_stock',
              dosesPerUnit: perUnit,
            })),
            'ON CONFLICT (code) DO NOTHING',
          );
          break;
        }
        case 'ShipmentDispatched': {
          const codes = list<Line>(p, 'lines').flatMap((line) => line.traceCodes ?? []);
          await move(codes, 'in_transit', str(p, 'toSite'), str(p, 'shipmentId'));
          break;
        }
        case 'ShipmentReceived': {
          const site = siteOfStream(event.streamId);
          for (const line of list<Line>(p, 'lines')) if ((line.accepted ?? 0) > 0) await move(line.traceCodes ?? [], 'in_stock', site);
          // What the shipment carried to this site and the receipt did not take in was refused.
          await tx.query(
            `UPDATE ${tx.table('rm_trace_code')} SET state = 'rejected'
              WHERE "shipmentId" = $1 AND state = 'in_transit' AND "holderSite" = $2`,
            [str(p, 'shipmentId'), site],
          );
          break;
        }
        case 'UnitsDestroyed':
          for (const line of list<Line>(p, 'lines')) await move(line.traceCodes ?? [], 'destroyed', siteOfStream(event.streamId));
          break;
        default:
          break;
      }
    }
    await flush();
  },
};
