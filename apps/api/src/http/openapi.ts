import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { PURPOSES_OF_USE } from '@vaxledger/domain';
import { PURPOSE_HEADER, STAFF_HEADER } from '../audit/access-trail';
import { DATE, INSTANT } from '../features/formats';
import { componentSchemas, ERROR_STATUSES, type Schema, SUCCESS_SCHEMAS } from './openapi-schemas';
import { REQUEST_EXAMPLES, PARAMETER_EXAMPLES } from './openapi-examples';
import { LATE_ANSWERS } from './openapi-late-answers';

/**
 * The OpenAPI document served at /openapi.json and /docs. Nest builds paths, parameters and
 * DTO schemas from the decorators; this adds what decorators cannot say once for all routes:
 * every error answer (problem+json, with the stable codes each status can carry), the command
 * answer, the read answers, formats of times and dates, valid request examples (the
 * document test posts them) and the operations routes.
 */
type Operation = {
  parameters?: { name: string; in: string; schema?: Schema; example?: unknown; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown }> };
  responses: Record<string, unknown>;
  security?: unknown[];
  summary?: string;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const PUBLIC_PATHS = new Set([
  '/',
  '/health',
  '/metrics',
  '/.well-known/jwks.json',
  '/.well-known/crl/{file}',
  '/v1/certificates/revocations',
]);

const problem = (status: number, description: string): unknown => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: `#/components/schemas/Problem${status}` } } },
});

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed or invalid input (VALIDATION_FAILED lists errors[] by field)',
  401: 'No or bad credentials',
  403: 'Not allowed for this caller or jurisdiction',
  404: 'Unknown resource (or one outside the caller’s reach)',
  409: 'Conflict with an earlier fact, a concurrent writer or an idempotency key',
  410: 'The stream was deleted',
  412: 'Stale If-Match revision',
  413: 'Body larger than the limit',
  415: 'The body is not JSON (Content-Type must be application/json)',
  422: 'A well-formed command the rules refuse',
  429: 'Rate-limited; see Retry-After',
  500: 'Unexpected error (logged)',
  503: 'Store unavailable or read models lagging; see Retry-After',
};

/** Where a route's body is not JSON: what its 413 and 415 say instead. */
const BODY_DESCRIPTIONS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  'POST /v1/doses/import': {
    400: 'The file cannot be read as a dose file (not UTF-8, not CSV, header without the dose columns; errors[] by column)',
    413: 'The file is larger than 4 MiB: split it',
    415: 'The body is not text/csv in UTF-8',
  },
};

/** Which error statuses an operation can answer. */
const errorStatuses = (method: string, path: string): number[] => {
  // A node without a certificate key has no revocation list to sign (422 CERTIFICATE_UNAVAILABLE).
  if (path === '/v1/certificates/revocations') return [400, 422, 500];
  // A key this node never published (404), or no certificate key at all (422).
  if (path === '/.well-known/crl/{file}') return [400, 404, 422, 500];
  if (PUBLIC_PATHS.has(path)) return [400, 500];
  const statuses = [400, 401, 403, 429, 500, 503];
  if (path.includes('{')) statuses.push(404);
  if (method !== 'get') statuses.push(404, 409, 410, 412, 413, 415, 422);
  return [...new Set(statuses)].filter((s) => ERROR_STATUSES.includes(s)).sort((a, b) => a - b);
};

/** `…At` fields are RFC 3339 instants, `…On` fields and birthDate are dates (API.md conventions). */
const addFormats = (schema: Schema): void => {
  const properties = schema.properties as Record<string, Schema> | undefined;
  for (const [name, property] of Object.entries(properties ?? {})) {
    if (property.type !== 'string' || property.format || property.enum) continue;
    if (/At$/.test(name)) Object.assign(property, { format: 'date-time', pattern: INSTANT.source });
    else if (/On$/.test(name) || name === 'birthDate') Object.assign(property, { format: 'date', pattern: DATE.source });
  }
};

/** What class-validator checks, as far as JSON Schema can say it: patterns, bounds, whole numbers. */
interface CheckMetadata {
  readonly name?: string;
  readonly propertyName: string;
  readonly constraints?: unknown[];
  readonly each?: boolean;
}

const addChecks = (schemas: Record<string, Schema>): void => {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<{ name: string }, CheckMetadata[]> };
  for (const [target, checks] of storage.validationMetadatas) {
    const properties = schemas[target.name]?.properties as Record<string, Schema> | undefined;
    if (!properties) continue;
    for (const check of checks) {
      const property = properties[check.propertyName];
      if (!property) continue;
      const schema = check.each && property.type === 'array' ? (property.items as Schema) : property;
      const [first] = check.constraints ?? [];
      if (check.name === 'matches' && first instanceof RegExp && schema.pattern === undefined) schema.pattern = first.source;
      else if (check.name === 'min' && typeof first === 'number') schema.minimum ??= first;
      else if (check.name === 'max' && typeof first === 'number') schema.maximum ??= first;
      else if (check.name === 'isInt' && schema.type === 'number') schema.type = 'integer';
      else if (check.name === 'isLength' && typeof first === 'number') {
        schema.minLength ??= first;
        if (typeof check.constraints?.[1] === 'number') schema.maxLength ??= check.constraints[1];
      }
    }
  }
};

/** Commands whose answer adds what was recorded to the command answer. */
const COMMAND_ANSWERS: Readonly<Record<string, string>> = {
  'POST /v1/shipments/{shipmentId}/receipt': 'ReceiptAnswer',
  'POST /v1/aefi': 'AefiReportAnswer',
};

/** Audited reads of personal data take why (and who, by staff reference) in headers. */
const AUDITED_READS: Readonly<Record<string, string>> = {
  'POST /v1/persons/lookup': 'treatment',
  'GET /v1/persons/{personId}/record': 'treatment',
  'POST /v1/persons/{personId}/certificates': 'treatment',
  'POST /v1/status': 'public_health',
  'GET /v1/batches/{batchId}/recipients': 'recall_follow_up',
  'GET /v1/aefi': 'public_health',
  'GET /v1/aefi/overdue': 'public_health',
  // A clinic reading back its own report defaults to treatment; everyone else to public_health.
  'GET /v1/aefi/{reportId}': 'public_health',
  'GET /v1/batches/{batchId}/impact/recipients': 'recall_follow_up',
  'GET /fhir/Patient/{personId}': 'treatment',
  'GET /fhir/Immunization': 'treatment',
  'GET /fhir/Immunization/{doseEventId}': 'treatment',
  'GET /fhir/AdverseEvent/{reportId}': 'treatment',
};

const auditHeaders = (fallback: string): NonNullable<Operation['parameters']> => [
  {
    name: PURPOSE_HEADER,
    in: 'header',
    required: false,
    schema: {
      type: 'string',
      enum: [...PURPOSES_OF_USE],
      default: fallback,
      description: 'Why the data is read (recorded in the audit trail)',
    },
  },
  {
    name: STAFF_HEADER,
    in: 'header',
    required: false,
    schema: { type: 'string', pattern: '^[0-9A-Za-z._:-]{1,60}$', description: 'Who reads, as the caller’s staff reference (audited)' },
  },
];

const operationsOf = (document: OpenAPIObject): [string, string, Operation][] =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Record<string, unknown>)[m]).map(
      (m) => [m, path, (item as Record<string, Operation>)[m]!] as [string, string, Operation],
    ),
  );

const healthAndMetrics = (): Record<string, unknown> => ({
  '/health': {
    get: {
      tags: ['operations'],
      summary: 'Liveness and readiness (store, projection lag, Kafka)',
      security: [],
      responses: {
        '200': { description: 'Ready', content: { 'application/json': { schema: SUCCESS_SCHEMAS['GET /health'] } } },
        '503': { description: 'Degraded', content: { 'application/json': { schema: SUCCESS_SCHEMAS['GET /health'] } } },
      },
    },
  },
  '/metrics': {
    get: {
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      security: [],
      responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
});

export const describeApi = (document: OpenAPIObject): OpenAPIObject => {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...componentSchemas() } };
  const schemas = (document.components.schemas ?? {}) as Record<string, Schema>;
  addChecks(schemas);
  for (const schema of Object.values(schemas)) addFormats(schema);
  Object.assign(document.paths, healthAndMetrics());
  for (const [method, path, operation] of operationsOf(document)) {
    const key = `${method.toUpperCase()} ${path}`;
    if (PUBLIC_PATHS.has(path)) operation.security = [];
    const success = SUCCESS_SCHEMAS[key];
    const late = LATE_ANSWERS[key];
    if (late) {
      // AEFI, FHIR and EPCIS reads and EPCIS capture: their own status and media types.
      const { '200': _ok, '201': _created, '202': _accepted, ...others } = operation.responses;
      const content = Object.fromEntries(Object.entries(late.content).map(([type, schema]) => [type, { schema }]));
      operation.responses = { ...others, [String(late.status)]: { description: late.description, content } };
    }
    // A command answering 201 (the /v1 contract); others (e.g. EPCIS capture's 202) keep their own.
    if (method !== 'get' && !success && !late && operation.responses['201'] !== undefined) {
      // Commands: 201 with the command answer, 200 when an Idempotency-Key replays it.
      const schema = { $ref: `#/components/schemas/${COMMAND_ANSWERS[key] ?? 'CommandAnswer'}` };
      operation.responses = {
        '201': { description: 'Recorded', content: { 'application/json': { schema } } },
        '200': {
          description: 'The first answer again (same Idempotency-Key and body); nothing appended',
          content: { 'application/json': { schema } },
        },
      };
    } else if (success && path !== '/health') {
      const extra = key === 'GET /v1/batches/{batchId}/recipients' ? { 'text/csv': { schema: { type: 'string' } } } : {};
      operation.responses = {
        ...operation.responses,
        '200': { description: 'OK', content: { 'application/json': { schema: success }, ...extra } },
      };
      delete operation.responses['201'];
    }
    for (const status of errorStatuses(method, path))
      operation.responses[String(status)] ??= problem(status, (BODY_DESCRIPTIONS[key] ?? {})[status] ?? DESCRIPTIONS[status] ?? 'Error');
    const audited = AUDITED_READS[key];
    if (audited) operation.parameters = [...(operation.parameters ?? []), ...auditHeaders(audited)];
    const example = REQUEST_EXAMPLES[key];
    const json = operation.requestBody?.content?.['application/json'];
    if (example && json) json.example = example;
    for (const parameter of operation.parameters ?? []) {
      const given = PARAMETER_EXAMPLES[parameter.name];
      if (parameter.in === 'path' && given !== undefined) parameter.example = given;
    }
  }
  return document;
};

/**
 * Serves the document (/docs, /openapi.json), built and completed on its first request: building
 * it walks every controller and DTO (~0.2 s), which a clinic's node should not pay at each start.
 */
export const serveApiDocument = (app: INestApplication): void => {
  const build = (): OpenAPIObject =>
    describeApi(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('Vaxledger API')
          .setDescription(
            'Vaccine traceability ledger: commands append facts; views answer questions. Errors are application/problem+json with a stable `code`. With AUTH_MODE=dev, try it out with X-Dev-Actor, e.g. `regulator:12110000450712347E:000000` or `manufacturer:91320000MA1X0Y2W3E:320000`.',
          )
          .setVersion('1')
          .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT (ES256/RS256)' }, 'jwt')
          .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
          .addApiKey(
            { type: 'apiKey', in: 'header', name: 'X-Dev-Actor', description: 'AUTH_MODE=dev only: <role>:<orgCode>:<provinceCode>' },
            'dev-actor',
          )
          .addSecurityRequirements('jwt')
          .addSecurityRequirements('api-key')
          .addSecurityRequirements('dev-actor')
          .build(),
      ),
    );
  SwaggerModule.setup('docs', app, build, { jsonDocumentUrl: 'openapi.json' });
};
