import { siteOfStream } from '@vaxledger/domain';
import type { RecordedEvent } from '@vaxledger/event-store';
import { type Payload, type Projection, type ProjectionTx, bulkUpsert, list, optStr, payload, str } from '../framework/projection';
import { cbvStepOf } from './cbv-steps';

interface Line {
  readonly batchId: string;
  readonly traceCodes?: readonly string[];
}

const productOf = (batchId: string): string => batchId.slice(0, Math.max(0, batchId.indexOf('-')));

/** A China date alone is that day's start in China (UTC+8). */
const instantOf = (text: string): string => (/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00+08:00` : text);

/** Where the fact happened, when it happened, and what it names. */
const facts = (
  event: RecordedEvent,
  p: Payload,
): { site: string | null; time: string; batches: string[]; codes: string[]; parties: string[]; data: Payload } => {
  const lines = list<Line>(p, 'lines');
  const lineBatches = lines.map((l) => l.batchId);
  const lineCodes = lines.flatMap((l) => [...(l.traceCodes ?? [])]);
  const actorOrg = event.metadata.actor?.orgCode ?? null;
  switch (event.type) {
    case 'BatchProduced':
      return {
        site: str(p, 'mahOrgCode'),
        time: str(p, 'producedOn'),
        batches: [str(p, 'batchId')],
        codes: list<string>(p, 'traceCodes'),
        parties: [str(p, 'mahOrgCode')],
        data: p,
      };
    case 'BatchReleased':
    case 'BatchReleaseRefused':
      return {
        site: str(p, 'authorityOrgCode'),
        time: str(p, 'decidedOn'),
        batches: [str(p, 'batchId')],
        codes: [],
        parties: [str(p, 'authorityOrgCode')],
        data: p,
      };
    case 'ShipmentDispatched':
      return {
        site: str(p, 'fromSite'),
        time: str(p, 'dispatchedAt'),
        batches: lineBatches,
        codes: lineCodes,
        parties: [str(p, 'fromSite'), str(p, 'toSite'), ...(optStr(p, 'carrierOrgCode') ? [str(p, 'carrierOrgCode')] : [])],
        data: p,
      };
    case 'ShipmentReceived': {
      const site = siteOfStream(event.streamId);
      return { site, time: str(p, 'receivedAt'), batches: lineBatches, codes: lineCodes, parties: [site, str(p, 'fromSite')], data: p };
    }
    case 'UnitsDestroyed': {
      const site = siteOfStream(event.streamId);
      return { site, time: str(p, 'destroyedAt'), batches: lineBatches, codes: lineCodes, parties: [site], data: p };
    }
    case 'BatchRecalled':
      return {
        site: str(p, 'issuerOrgCode'),
        time: str(p, 'effectiveAt'),
        batches: list<string>(p, 'batchIds'),
        codes: [],
        parties: [str(p, 'issuerOrgCode')],
        data: p,
      };
    case 'RecallLifted':
      return {
        site: actorOrg,
        time: event.recordedAt.toISOString(),
        batches: list<string>(p, 'batchIds'),
        codes: [],
        parties: actorOrg ? [actorOrg] : [],
        data: p,
      };
    default: {
      // DoseAdministered: the unit, the batch, the site and the time; nothing of the person.
      const traceCode = optStr(p, 'traceCode');
      return {
        site: str(p, 'siteCode'),
        time: str(p, 'administeredAt'),
        batches: [str(p, 'batchId')],
        codes: traceCode ? [traceCode] : [],
        parties: [str(p, 'siteCode')],
        data: { batchId: str(p, 'batchId'), productCode: str(p, 'productCode'), traceCode, siteCode: str(p, 'siteCode') },
      };
    }
  }
};

/** Supply-chain facts indexed for EPCIS queries (see supply-event.entity.ts). */
export const supplyEventsProjection: Projection = {
  name: 'supply-events',
  // 2: the partner's EPCIS eventID (epcisEventId).
  version: 2,
  tables: ['rm_supply_event', 'rm_supply_key'],
  // Keys are written with a bare ON CONFLICT DO NOTHING (an event's keys are distinct already)
  // and never looked up while projecting.
  keysBuiltAfterRebuild: ['rm_supply_key'],
  async apply(tx: ProjectionTx, events: readonly RecordedEvent[]): Promise<void> {
    const rows: Record<string, unknown>[] = [];
    const keys: Record<string, unknown>[] = [];
    const voids: Record<string, unknown>[] = [];
    for (const event of events) {
      const p = payload(event);
      if (event.type === 'DoseEnteredInError') {
        voids.push({ eventId: str(p, 'doseEventId'), voidedAt: event.recordedAt.toISOString(), voidReason: str(p, 'reasonCode') });
        continue;
      }
      const step = cbvStepOf(event.type, p);
      if (!step) continue;
      const f = facts(event, p);
      // A fact without its time (a malformed copy from another province, say) cannot be an
      // EPCIS event; it is left out here rather than stopping every read model behind it.
      if (!/^\d{4}-\d{2}-\d{2}/.test(f.time)) continue;
      const time = instantOf(f.time);
      rows.push({
        eventId: event.eventId,
        epcisEventId: typeof event.metadata.epcisEventId === 'string' ? event.metadata.epcisEventId : null,
        position: event.position.toString(),
        type: event.type,
        ...step,
        eventTime: time,
        eventTimeText: time,
        recordedAt: event.recordedAt.toISOString(),
        site: f.site,
        originProvince: typeof event.metadata.originProvince === 'string' ? event.metadata.originProvince : null,
        data: f.data,
      });
      const add = (kind: string, values: readonly string[]): void => {
        for (const key of new Set(values)) if (key) keys.push({ kind, key, eventId: event.eventId });
      };
      add('tc', f.codes);
      add('batch', f.batches);
      add('product', f.batches.map(productOf));
      add('party', f.parties);
    }
    await bulkUpsert(
      tx,
      'rm_supply_event',
      {
        eventId: 'uuid',
        epcisEventId: 'text',
        position: 'bigint',
        type: 'text',
        action: 'text',
        bizStep: 'text',
        disposition: 'text',
        eventTime: 'timestamptz',
        eventTimeText: 'text',
        recordedAt: 'timestamptz',
        site: 'text',
        originProvince: 'text',
        data: 'jsonb',
      },
      rows,
      'ON CONFLICT ("eventId") DO NOTHING',
    );
    await bulkUpsert(tx, 'rm_supply_key', { kind: 'text', key: 'text', eventId: 'uuid' }, keys, 'ON CONFLICT DO NOTHING');
    // A void may arrive in the same batch as its dose: the rows above are written first.
    for (const v of voids)
      await tx.query(`UPDATE ${tx.table('rm_supply_event')} SET "voidedAt" = $2, "voidReason" = $3 WHERE "eventId" = $1`, [
        v.eventId,
        v.voidedAt,
        v.voidReason,
      ]);
  },
};
