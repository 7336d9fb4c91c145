import { DATE } from '../features/formats';
import { STATUS, type ErrorCode } from './error-codes';

/**
 * JSON schemas the OpenAPI document cannot get from a DTO class: the problem answer (with
 * the stable codes of each status), the command answer, and the answers of the read routes
 * whose handlers build plain objects. Keyed by operation ("GET /v1/...", OpenAPI paths).
 */
export type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
/** An object with these properties, all required unless listed as optional; others allowed only when `open`. */
const obj = (properties: Record<string, Schema>, optional: readonly string[] = [], open = false): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
  additionalProperties: open,
});
const date: Schema = { type: 'string', format: 'date', pattern: DATE.source, example: '2026-11-01' };
const position: Schema = {
  type: 'string',
  pattern: '^\\d+$',
  description: 'A place in the node’s global log (decimal)',
  example: '2097152',
};

export const codesWithStatus = (status: number): ErrorCode[] =>
  (Object.keys(STATUS) as ErrorCode[]).filter((code) => STATUS[code] === status).sort();

export const ERROR_STATUSES = [...new Set(Object.values(STATUS))].sort((a, b) => a - b);

const commandAnswer: Record<string, Schema> = {
  id: { type: 'string', description: 'The resource the command created or acted on', example: '8696321-202611A017' },
  eventIds: arrayOf({ type: 'string', format: 'uuid' }),
  streamId: { type: 'string', example: 'batch-8696321-202611A017' },
  revision: { type: 'integer', minimum: -1, example: 0 },
  position,
};

/** The components every operation refers to. */
export const componentSchemas = (): Record<string, Schema> => {
  const problems = Object.fromEntries(
    ERROR_STATUSES.map((status) => [
      `Problem${status}`,
      {
        allOf: [
          ref('Problem'),
          {
            type: 'object',
            properties: { status: { type: 'integer', enum: [status] }, code: { type: 'string', enum: codesWithStatus(status) } },
          },
        ],
      },
    ]),
  );
  return {
    Problem: {
      ...obj(
        {
          type: { type: 'string', format: 'uri', example: 'https://vaxledger.example/problems/validation-failed' },
          title: { type: 'string', example: 'Bad request' },
          status: { type: 'integer', minimum: 400, maximum: 599, example: 400 },
          detail: { type: 'string', example: 'the request has invalid fields' },
          code: { type: 'string', enum: (Object.keys(STATUS) as ErrorCode[]).sort(), description: 'Stable: code against it, not the text' },
          errors: arrayOf(
            obj({
              field: { type: 'string', example: 'expiresOn' },
              reason: { type: 'string', example: 'expiresOn must be a date like 2027-03-01' },
            }),
          ),
        },
        ['errors'],
      ),
      description: 'RFC 7807 problem details (application/problem+json)',
    },
    ...problems,
    CommandAnswer: obj(commandAnswer),
    ReceiptAnswer: obj({
      ...commandAnswer,
      accepted: { type: 'integer', minimum: 0, description: 'Doses taken into stock' },
      rejected: { type: 'integer', minimum: 0, description: 'Doses refused' },
      lines: arrayOf(obj({ batchId: str, shipped: int, accepted: int, rejected: int })),
      verification: obj({ result: { type: 'string', enum: ['accepted', 'discrepancy', 'rejected'] }, reasonCode: str }, ['reasonCode']),
      temperatureLog: { type: 'string', enum: ['provided', 'not_provided'] },
      quarantined: { type: 'boolean', description: 'True while the dispatch has not synced: the stock waits in quarantine' },
    }),
    AefiReportAnswer: obj({
      ...commandAnswer,
      id: { type: 'string', format: 'uuid', description: 'The reportId', example: '0b6f1a9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b' },
      streamId: { type: 'string', example: 'aefi-510000-0b6f1a9e-3c2d-4e5f-8a7b-9c0d1e2f3a4b' },
      serious: { type: 'boolean', description: 'As recorded: serious when sent so, or when a seriousness criterion or a death says so' },
      seriousFromCriteria: {
        type: 'boolean',
        description:
          'True when the report was sent with `serious: false` but recorded as serious because of its `seriousCriteria` (death, hospitalisation, …) or its outcome `died`',
        example: false,
      },
      urgent: { type: 'boolean', description: 'The 2-hour clock applies (serious, death, cluster or major public impact)' },
      deadlineAt: {
        type: 'string',
        format: 'date-time',
        description: 'When the card is due at the county CDC (discovery + 2 h or + 48 h)',
      },
    }),
  };
};

const holders = arrayOf(obj({ site: str, available: int, quarantined: int }));
const recordedEvent = obj({
  position,
  eventId: { type: 'string', format: 'uuid' },
  type: str,
  schemaVersion: int,
  streamId: str,
  revision: int,
  recordedAt: { type: 'string', format: 'date-time' },
  data: { type: 'object' },
  metadata: { type: 'object' },
});

/** Success answers of the read routes, by operation. */
export const SUCCESS_SCHEMAS: Readonly<Record<string, Schema>> = {
  'GET /v1/organisations/{orgCode}': obj({
    orgCode: str,
    name: str,
    kind: str,
    provinceCode: { type: 'string', pattern: '^\\d{6}$' },
    parentOrgCode: nullable(str),
  }),
  'GET /v1/value-sets/schedules': obj({ version: str, schedules: arrayOf({ type: 'object' }) }),
  'GET /v1/products/{productCode}': obj(
    {
      productCode: str,
      name: str,
      vaccineType: str,
      mahOrgCode: str,
      approvalNo: str,
      dosesPerUnit: int,
      shelfLifeMonths: int,
      programme: { type: 'string', enum: ['NIP', 'nonNIP'] },
      serialised: { type: 'boolean' },
      levels: arrayOf(obj({ level: int, code: str, childrenPerParent: int })),
      storageC: obj({ min: { type: 'number' }, max: { type: 'number' } }),
    },
    [],
    true,
  ),
  'GET /v1/batches/{batchId}/trace': obj(
    {
      batchId: str,
      productCode: str,
      lotNumber: str,
      producedOn: date,
      expiresOn: date,
      quantity: int,
      status: { type: 'string', enum: ['awaiting_release', 'released', 'release_refused', 'suspended', 'recalled'] },
      release: nullable({ type: 'object' }),
      recalls: arrayOf(obj({ recallId: str, kind: str, level: int, lifted: { type: 'boolean' } })),
      // custody, onHand and administered are left out with ?lists=omit (each has its paged list).
      custody: arrayOf(
        obj({ type: str, at: str, fromSite: str, toSite: str, quantity: int, eventId: { type: 'string', format: 'uuid' } }, [
          'fromSite',
          'toSite',
        ]),
      ),
      onHand: holders,
      inTransit: int,
      administered: arrayOf(obj({ site: str, count: int })),
      destroyed: int,
      unaccounted: int,
      position,
    },
    ['custody', 'onHand', 'administered'],
    true,
  ),
  'GET /v1/batches/{batchId}/doses-by-day': obj({
    batchId: str,
    days: arrayOf(obj({ day: date, count: int })),
    position,
  }),
  'GET /v1/batches/{batchId}/recipients': obj({
    batchId: str,
    persons: arrayOf(obj({ personId: str, siteCode: str, administeredAt: str, originProvince: str })),
    holders,
    position,
  }),
  'GET /v1/recalls/{recallId}': obj({
    recallId: str,
    kind: { type: 'string', enum: ['recall', 'suspension'] },
    level: { type: 'integer', enum: [1, 2, 3] },
    actions: arrayOf({ type: 'string', enum: ['stop_use', 'quarantine', 'return', 'destroy'] }),
    batchIds: arrayOf(str),
    initiation: { type: 'string', enum: ['voluntary', 'ordered'] },
    reasonCode: str,
    reasonText: str,
    effectiveAt: { type: 'string', format: 'date-time' },
    issuerOrgCode: str,
    personFollowUp: { type: 'string', enum: ['none', 'notify', 'revaccinate'] },
    lifted: { type: 'boolean' },
    lift: nullable({ type: 'object' }),
    progress: arrayOf(
      obj({
        batchId: str,
        destroyed: int,
        administered: { ...int, description: 'Doses given from the batch (a person given two counts twice)' },
        stillHeld: holders,
      }),
    ),
    position,
  }),
  'GET /v1/trace-codes/{code}': obj(
    {
      code: { type: 'string', pattern: '^\\d{20}$' },
      batchId: nullable(str),
      level: nullable(int),
      holder: nullable(str),
      state: { type: 'string', enum: ['in_stock', 'in_transit', 'rejected', 'administered', 'destroyed', 'recalled', 'unknown'] },
      administered: { type: 'string', pattern: '^\\d+/\\d+$' },
    },
    ['administered'],
  ),
  'GET /v1/sites/{orgCode}/inventory': obj({
    site: str,
    batches: arrayOf(
      obj({
        batchId: str,
        available: int,
        quarantined: int,
        expiresOn: nullable(date),
        expired: { type: 'boolean' },
        expiringWithin30Days: { type: 'boolean' },
        recalled: { type: 'boolean' },
        inTransit: int,
      }),
    ),
    position,
  }),
  'GET /v1/persons/{personId}/record': obj(
    {
      personId: str,
      details: {
        ...obj({ name: str, birthDate: date, sex: { type: 'string', enum: ['M', 'F', 'U'] } }),
        description: 'From the vault of this node: absent when it holds none or the details were erased',
      },
      erased: { type: 'boolean', description: 'The person’s details were erased (crypto-shredded)' },
      completeness: { type: 'object', description: 'With sync on: how complete the record is per origin province' },
      doses: arrayOf(
        obj({
          eventId: { type: 'string', format: 'uuid' },
          originProvince: str,
          siteCode: str,
          administeredAt: { type: 'string', format: 'date-time' },
          batchId: str,
          productCode: str,
          vaccineType: str,
          doseNumber: int,
          status: { type: 'string', enum: ['valid', 'voided'] },
        }),
      ),
      series: arrayOf(obj({ vaccineType: str, dosesDone: int, nextDoseNumber: nullable(int), nextDueOn: nullable(date) })),
      conflicts: arrayOf(
        obj({
          code: { type: 'string', enum: ['DUPLICATE_DOSE_NUMBER'] },
          vaccineType: str,
          doseNumber: int,
          eventIds: arrayOf(str),
          crossProvince: { type: 'boolean' },
        }),
      ),
      aefi: arrayOf(
        obj({
          reportId: str,
          reportProvince: nullable(str),
          doseEventIds: arrayOf(str),
          onsetAt: nullable(str),
          signs: arrayOf(str),
          serious: { type: 'boolean' },
          outcome: nullable(str),
          aefiClass: nullable(str),
        }),
      ),
      position,
    },
    ['details', 'completeness'],
  ),
  'POST /v1/persons/lookup': obj({ personId: { type: 'string', pattern: '^p1[a-z2-7]{26}$' } }),
  'GET /v1/streams/{streamId}': obj({ streamId: str, events: arrayOf(recordedEvent) }),
  'GET /v1/events': obj({ events: arrayOf(recordedEvent), next: nullable(position) }),
  'GET /v1/audit/access': obj({ events: arrayOf({ type: 'object' }), next: nullable(str), position }),
  'GET /health': obj({ status: { type: 'string', enum: ['ok', 'degraded'] } }, [], true),
};
