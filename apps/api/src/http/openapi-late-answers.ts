import { SERIOUS_CRITERIA } from '@vaxledger/domain';
import type { Schema } from './openapi-schemas';

/**
 * Success answers of the AEFI, FHIR and EPCIS routes, with the status and media type each
 * route really sends: FHIR resources as application/fhir+json, EPCIS query documents as
 * application/ld+json, EPCIS capture jobs as application/json (202 for a new job).
 * FHIR and EPCIS bodies are loose (their own specifications define them; the interop tests
 * check them with the reference validators); ours are strict where the handler builds them.
 */
export interface Answer {
  readonly status: number;
  readonly description: string;
  readonly content: Readonly<Record<string, Schema>>;
}

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const instant: Schema = { type: 'string', format: 'date-time' };
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const obj = (properties: Record<string, Schema>, optional: readonly string[] = [], open = false): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
  additionalProperties: open,
});
const position: Schema = { type: 'string', pattern: '^\\d+$', description: 'A place in the node’s global log (decimal)' };
const uuid: Schema = { type: 'string', format: 'uuid' };

/** A FHIR R4 resource of one type: its own specification defines the rest. */
const fhir = (resourceType: string, description: string): Answer => ({
  status: 200,
  description,
  content: {
    'application/fhir+json': {
      type: 'object',
      required: ['resourceType'],
      properties: { resourceType: { type: 'string', enum: [resourceType] }, id: str },
      additionalProperties: true,
    },
  },
});

/** GS1 EPCIS 2.0 EPCISQueryDocument (JSON-LD); the events follow the EPCIS 2.0 JSON schema. */
const epcisQueryDocument: Answer = {
  status: 200,
  description: 'An EPCISQueryDocument (JSON-LD; GS1-EPCIS-Version and GS1-CBV-Version headers)',
  content: {
    'application/ld+json': obj(
      {
        '@context': {},
        type: { type: 'string', enum: ['EPCISQueryDocument'] },
        schemaVersion: str,
        creationDate: instant,
        epcisBody: obj({
          queryResults: obj({
            queryName: { type: 'string', enum: ['SimpleEventQuery'] },
            resultsBody: obj({ eventList: arrayOf({ type: 'object', required: ['type', 'eventID'] }) }),
          }),
        }),
      },
      [],
      true,
    ),
  },
};

/** A report as the /v1 AEFI routes answer it: pseudonymous; the narrative stays in the vault. */
const reportFields: Record<string, Schema> = {
  reportId: uuid,
  reportProvince: { type: 'string', pattern: '^\\d{6}$' },
  personId: str,
  reporterSite: str,
  doses: arrayOf(obj({ doseEventId: uuid, batchId: str, productCode: str, siteCode: str, province: str, administeredAt: str })),
  discoveredAt: str,
  onsetAt: str,
  signs: arrayOf(str),
  serious: bool,
  seriousCriteria: arrayOf({ type: 'string', enum: [...SERIOUS_CRITERIA] }),
  cluster: bool,
  majorPublicImpact: bool,
  outcome: str,
  urgent: bool,
  deadlineAt: nullable(instant),
  acknowledgedAt: nullable(instant),
  overdue: bool,
  acknowledgedLate: bool,
  aefiClass: nullable(str),
  narrativeInVault: bool,
};
const report = obj(reportFields);
/** A page of the AEFI queue: the shared paging contract (`items`, `page`, `pageSize`, `total`) and two of its own. */
const aefiQueuePage: Schema = {
  ...obj({
    items: arrayOf(report),
    page: { type: 'integer', minimum: 1, example: 1 },
    pageSize: { type: 'integer', minimum: 1, maximum: 100, example: 20 },
    total: { type: 'integer', minimum: 0, description: 'How many reports match, over all pages', example: 1 },
    overdue: { type: 'integer', minimum: 0, description: 'How many of them are overdue at `asOf`, over all pages', example: 0 },
    asOf: { ...instant, description: 'The instant `overdue` (of the page and of each report) was judged at' },
  }),
  description: 'Each person on the page is recorded in the access audit (PersonRecordRead) before the page is answered.',
};
const { personId: _notByBatch, ...batchReportFields } = reportFields;
const json = (description: string, schema: Schema): Answer => ({ status: 200, description, content: { 'application/json': schema } });

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const LATE_ANSWERS: Readonly<Record<string, Answer>> = {
  // Signed certificates (docs/adr/0018-signed-certificates.md): the classes in certificates.controller.ts.
  'POST /v1/persons/{personId}/certificates': {
    status: 201,
    description: 'The signed card, its QR text and image',
    content: { 'application/json': ref('IssuedCertificateAnswer') },
  },
  'GET /.well-known/jwks.json': json('The province’s certificate keys', ref('JwksAnswer')),
  'GET /.well-known/crl/{file}': json('The key’s revocation list (SMART Health Card form)', ref('KeyRevocationListAnswer')),
  'GET /v1/certificates/revocations': json('The signed revocation list', ref('RevocationsAnswer')),
  'POST /v1/status': json('The signed vaccination status', ref('VaccinationStatusAnswer')),
  'GET /fhir/metadata': fhir('CapabilityStatement', 'What this node serves'),
  'GET /fhir/Patient/{personId}': fhir('Patient', 'The person (pseudonymous unless details=true)'),
  'GET /fhir/Immunization': fhir('Bundle', 'A searchset Bundle of Immunization resources'),
  'GET /fhir/Immunization/{doseEventId}': fhir('Immunization', 'One dose'),
  'GET /fhir/AdverseEvent/{reportId}': fhir('AdverseEvent', 'One AEFI report'),
  'GET /epcis/events': epcisQueryDocument,
  'GET /epcis/events/{eventID}': epcisQueryDocument,
  'POST /epcis/capture': {
    status: 202,
    description: 'Accepted as a capture job; Location names it',
    content: { 'application/json': obj({ captureID: uuid }) },
  },
  'GET /epcis/capture/{captureId}': json(
    'The capture job',
    obj(
      {
        captureID: uuid,
        createdAt: instant,
        finishedAt: instant,
        running: bool,
        success: bool,
        status: { type: 'string', enum: ['running', 'success', 'failed'] },
        eventCount: int,
        appendedEvents: int,
        errors: arrayOf({ type: 'object' }),
      },
      ['finishedAt'],
    ),
  ),
  'GET /v1/aefi': json('A page of the open reports, earliest deadline first by default', aefiQueuePage),
  'GET /v1/aefi/overdue': json('A page of the overdue reports, earliest deadline first by default', aefiQueuePage),
  'GET /v1/aefi/signals': json(
    'Signals the caller may see',
    obj({
      signals: arrayOf(
        // Open: the signal's statistics (observed, expected, …) are spread in.
        obj({ signalId: str, batchId: str, productCode: str, originProvince: str, raisedAt: str, recallIds: arrayOf(str) }, [], true),
      ),
      position,
    }),
  ),
  'GET /v1/aefi/{reportId}': json('One report', report),
  'GET /v1/batches/{batchId}/aefi': json(
    'Reports on the batch',
    obj({
      batchId: str,
      reports: int,
      persons: int,
      bySeriousness: obj({ serious: int, nonSerious: int }),
      byClass: { type: 'object', additionalProperties: int },
      doses: int,
      ratePer100k: nullable({ type: 'number' }),
      reportList: arrayOf(obj(batchReportFields)),
      signals: arrayOf(obj({ signalId: str, raisedAt: str, originProvince: str }, [], true)),
      position,
    }),
  ),
  'POST /v1/doses/import': json(
    'One outcome per row of the file, in its order, and the counts',
    obj({
      summary: obj({
        rows: int,
        recorded: int,
        duplicates: int,
        refused: int,
        refusedByCode: { type: 'object', additionalProperties: int },
      }),
      outcomes: arrayOf(
        obj(
          {
            row: int,
            line: int,
            status: { type: 'string', enum: ['recorded', 'duplicate', 'refused'] },
            personId: str,
            doseEventId: uuid,
            code: str,
            message: str,
            errors: arrayOf(obj({ field: str, reason: str })),
          },
          ['personId', 'doseEventId', 'code', 'message', 'errors'],
        ),
      ),
    }),
  ),
};
