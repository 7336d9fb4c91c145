import type { Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { ORGS } from './api-harness';
import { until } from './until';

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

/**
 * Sends `document` to `/epcis/capture` as `as`, expects it taken on (202), then reads the job at
 * the answer's Location until it no longer runs and gives that last reading. `onAccepted` runs
 * on the 202 before any polling, for a suite's own checks of the answer; `timeoutMs` bounds the
 * wait (`until`'s default when absent).
 */
export const captureAndWait = async (
  http: TestAgent,
  as: Record<string, string>,
  document: object,
  options: { readonly timeoutMs?: number; readonly onAccepted?: (accepted: Response) => void } = {},
): Promise<CaptureJob> => {
  const res = await http.post('/epcis/capture').set(as).set('Content-Type', 'application/ld+json').send(JSON.stringify(document));
  expect(res.status).toBe(202);
  options.onAccepted?.(res);
  const location = String(res.headers.location);
  let job = { running: true } as CaptureJob;
  await until(
    `capture job ${location}`,
    async () => {
      job = (await http.get(location).set(as)).body as CaptureJob;
      return job.running === false;
    },
    options.timeoutMs,
  );
  return job;
};
