import { splitBatchId } from '@vaxledger/domain';
import { deviceUri, documentUri, lotClassUri, siteUri, unitUri } from './epc-uris';

/**
 * Pure rendering of our supply-chain facts as EPCIS 2.0 events (JSON-LD binding) and of a
 * list of them as an EPCISQueryDocument. Input is the supply-events read model's row; the
 * mapping table is docs/interop/epcis.md.
 */
export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/epcis-context.jsonld';
/** Our own extension fields, prefixed `vx:` in events. */
export const VX_NAMESPACE = 'https://id.vaxledger.example/epcis/';
export const EPCIS_VERSION = '2.0.0';
export const CBV_VERSION = '2.0.0';

export interface SupplyEvent {
  readonly eventId: string;
  readonly type: string;
  readonly action: string;
  readonly bizStep: string;
  readonly disposition: string | null;
  readonly eventTimeText: string;
  readonly recordedAt: Date;
  readonly site: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly voidedAt: Date | null;
  readonly voidReason: string | null;
  /** The eventID a partner gave the event it captured (served instead of ours), if any. */
  readonly epcisEventId?: string | null;
  /** A receipt's: the delivery note of the dispatch it received, when known. */
  readonly deliveryNoteNo?: string | null;
}

export type EpcisEvent = Record<string, unknown>;

interface Line {
  readonly batchId: string;
  readonly quantity?: number;
  readonly accepted?: number;
  readonly traceCodes?: readonly string[];
}

const lotOf = (batchId: string): { productCode: string; lotNumber: string } =>
  splitBatchId(batchId) ?? { productCode: batchId, lotNumber: '' };

const classOf = (batchId: string): string => {
  const { productCode, lotNumber } = lotOf(batchId);
  return lotClassUri(productCode, lotNumber);
};

/** `+08:00` from `2026-11-10T09:00:00+08:00`; `Z` is `+00:00`. */
export const offsetOf = (time: string): string => {
  const m = /([+-]\d{2}:\d{2}|Z)$/.exec(time);
  return !m || m[1] === 'Z' ? '+00:00' : m[1]!;
};

/**
 * Units named by trace code go to epcList; lines without codes to quantityList as a count of
 * the lot's units. A line with codes is fully described by them, so it is not counted twice.
 */
const objects = (lines: readonly Line[], count: (line: Line) => number | undefined): EpcisEvent => {
  const epcs: string[] = [];
  const quantities: { epcClass: string; quantity?: number }[] = [];
  for (const line of lines) {
    const codes = line.traceCodes ?? [];
    const { productCode } = lotOf(line.batchId);
    if (codes.length > 0) for (const code of codes) epcs.push(unitUri(productCode, code));
    else {
      const quantity = count(line);
      quantities.push({ epcClass: classOf(line.batchId), ...(quantity !== undefined ? { quantity } : {}) });
    }
  }
  return { epcList: [...new Set(epcs)], ...(quantities.length > 0 ? { quantityList: quantities } : {}) };
};

const party = (
  type: 'owning_party' | 'possessing_party' | 'location',
  site: string,
  role: 'source' | 'destination',
): Record<string, string> => ({
  type,
  [role]: siteUri(site),
});

const str = (data: Readonly<Record<string, unknown>>, key: string): string => String(data[key] ?? '');

/** The event-type specific part. */
const body = (e: SupplyEvent): EpcisEvent => {
  const d = e.data;
  const lines = (Array.isArray(d.lines) ? d.lines : []) as Line[];
  switch (e.type) {
    case 'BatchProduced': {
      const batchId = str(d, 'batchId');
      const codes = (Array.isArray(d.traceCodes) ? d.traceCodes : []) as string[];
      return {
        ...objects([{ batchId, traceCodes: codes, quantity: Number(d.quantity) }], (l) => l.quantity),
        ilmd: { 'cbvmda:lotNumber': lotOf(batchId).lotNumber, 'cbvmda:itemExpirationDate': str(d, 'expiresOn') },
      };
    }
    case 'BatchReleased':
    case 'BatchReleaseRefused':
      return {
        epcList: [],
        quantityList: [{ epcClass: classOf(str(d, 'batchId')) }],
        ...(e.type === 'BatchReleased'
          ? {
              bizTransactionList: [
                { type: 'cert', bizTransaction: documentUri('release', str(d, 'authorityOrgCode'), str(d, 'certificateNo')) },
              ],
            }
          : {}),
      };
    case 'ShipmentDispatched': {
      const from = str(d, 'fromSite');
      const to = str(d, 'toSite');
      const carrier = typeof d.carrierOrgCode === 'string' ? d.carrierOrgCode : null;
      return {
        ...objects(lines, (l) => l.quantity),
        bizTransactionList: [
          { type: 'desadv', bizTransaction: documentUri('desadv', from, str(d, 'deliveryNoteNo')) },
          ...(typeof d.orderNo === 'string' ? [{ type: 'po', bizTransaction: documentUri('po', to, d.orderNo) }] : []),
        ],
        'vx:shipmentId': str(d, 'shipmentId'),
        sourceList: [party('owning_party', from, 'source'), party('location', from, 'source')],
        destinationList: [
          party('owning_party', to, 'destination'),
          party('location', to, 'destination'),
          ...(carrier ? [party('possessing_party', carrier, 'destination')] : []),
        ],
      };
    }
    case 'ShipmentReceived': {
      const from = str(d, 'fromSite');
      const here = e.site ?? '';
      const log = d.temperatureLog as { deviceId: string; readings: { at: string; celsius: number }[] } | undefined;
      const note = e.deliveryNoteNo;
      return {
        ...objects(lines, (l) => l.accepted),
        // The delivery note of the dispatch received: the same desadv as the shipping event's.
        ...(note ? { bizTransactionList: [{ type: 'desadv', bizTransaction: documentUri('desadv', from, note) }] } : {}),
        sourceList: [party('owning_party', from, 'source'), party('location', from, 'source')],
        destinationList: [party('owning_party', here, 'destination'), party('location', here, 'destination')],
        ...(log && log.readings.length > 0
          ? {
              sensorElementList: [
                {
                  sensorMetadata: { deviceID: deviceUri(log.deviceId) },
                  sensorReport: log.readings.map((r) => ({ type: 'Temperature', value: r.celsius, uom: 'CEL', time: r.at })),
                },
              ],
            }
          : {}),
        'vx:shipmentId': str(d, 'shipmentId'),
      };
    }
    case 'UnitsDestroyed':
      return { ...objects(lines, (l) => l.quantity), 'vx:reasonCode': str(d, 'reasonCode') };
    case 'BatchRecalled':
    case 'RecallLifted': {
      const batchIds = (Array.isArray(d.batchIds) ? d.batchIds : []) as string[];
      return {
        epcList: [],
        quantityList: batchIds.map((b) => ({ epcClass: classOf(b) })),
        persistentDisposition: e.type === 'BatchRecalled' && d.kind !== 'suspension' ? { set: ['recalled'] } : { unset: ['recalled'] },
        'vx:recallId': str(d, 'recallId'),
      };
    }
    default: {
      // DoseAdministered: one unit drawn from at a site; the person is not in the event at all.
      const batchId = str(d, 'batchId');
      const code = typeof d.traceCode === 'string' ? d.traceCode : null;
      return code
        ? { epcList: [unitUri(lotOf(batchId).productCode, code)] }
        : { epcList: [], quantityList: [{ epcClass: classOf(batchId), quantity: 1 }] };
    }
  }
};

/**
 * One of our facts as an EPCIS ObjectEvent. A fact captured from a partner's event is served
 * with the partner's eventID, and our own id beside it as `vx:ledgerEventID`.
 */
export const toEpcisEvent = (e: SupplyEvent): EpcisEvent => ({
  type: 'ObjectEvent',
  eventTime: e.eventTimeText,
  eventTimeZoneOffset: offsetOf(e.eventTimeText),
  recordTime: e.recordedAt.toISOString(),
  eventID: e.epcisEventId ?? `urn:uuid:${e.eventId}`,
  ...(e.epcisEventId ? { 'vx:ledgerEventID': `urn:uuid:${e.eventId}` } : {}),
  action: e.action,
  bizStep: e.bizStep,
  ...(e.disposition ? { disposition: e.disposition } : {}),
  ...(e.site ? { readPoint: { id: siteUri(e.site) }, bizLocation: { id: siteUri(e.site) } } : {}),
  ...body(e),
  ...(e.voidedAt
    ? {
        errorDeclaration: {
          declarationTime: e.voidedAt.toISOString(),
          reason: e.voidReason === 'did_not_occur' ? 'did_not_occur' : 'incorrect_data',
        },
      }
    : {}),
});

export const epcisContext = (): unknown[] => [EPCIS_CONTEXT, { vx: VX_NAMESPACE }];

/** The answer to a query: an EPCISQueryDocument. */
export const queryDocumentOf = (events: readonly EpcisEvent[], creationDate: string): Record<string, unknown> => ({
  '@context': epcisContext(),
  type: 'EPCISQueryDocument',
  schemaVersion: '2.0',
  creationDate,
  epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: events } } },
});
