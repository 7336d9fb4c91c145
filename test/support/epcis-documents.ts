import { ORGS } from './api-harness';

/**
 * EPCIS 2.0 documents as a manufacturer's system would send them to `/epcis/capture`, in this
 * node's identifier scheme (trace codes and sites as `https://id.vaxledger.example/…` URIs).
 */
export const traceCodeUri = (code: string): string => `https://id.vaxledger.example/nmpa/tc/${code}`;
export const siteUri = (org: string): string => `https://id.vaxledger.example/site/${org}`;
export const lotClassUri = (product: string, lot: string): string => `https://id.vaxledger.example/nmpa/product/${product}/lot/${lot}`;

/** `count` serial trace codes of a product, numbered from `lot * 100,000`. */
export const serialCodes = (product: string, lot: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${product}${String(lot * 100_000 + i).padStart(13, '0')}`);

const CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld', { vx: 'https://id.vaxledger.example/epcis/' }];

export const epcisDocument = (events: object[]): object => ({
  '@context': CONTEXT,
  type: 'EPCISDocument',
  schemaVersion: '2.0',
  creationDate: new Date().toISOString(),
  epcisBody: { eventList: events },
});

/** The manufacturer commissions a lot's serial units (a BatchProduced on this node). */
export const commissioningEvent = (lot: string, units: string[], makerOrg: string = ORGS.maker): object => ({
  type: 'ObjectEvent',
  eventID: `urn:uuid:00000000-0000-4000-8000-${lot.padStart(12, '0').slice(-12)}`.replace(/[^0-9a-z:-]/gi, '0'),
  action: 'ADD',
  bizStep: 'commissioning',
  disposition: 'active',
  eventTime: '2026-09-01T08:00:00+08:00',
  eventTimeZoneOffset: '+08:00',
  epcList: units.map(traceCodeUri),
  bizLocation: { id: siteUri(makerOrg) },
  ilmd: { 'cbvmda:lotNumber': lot, 'cbvmda:itemExpirationDate': '2028-08-31' },
});

/** A capture job as `GET /epcis/capture/{id}` answers it. */
export interface CaptureJob {
  readonly running: boolean;
  readonly success: boolean;
  readonly appendedEvents: number;
  readonly errors: { eventIndex: number; code: string; detail: string }[];
  readonly [field: string]: unknown;
}
