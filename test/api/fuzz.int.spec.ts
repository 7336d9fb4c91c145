import type { AddressInfo } from 'node:net';
import { USCC_ALPHABET, usccCheckChar } from '@vaxledger/domain';
import fc from 'fast-check';
import { STATUS } from '../../apps/api/src/http/error-codes';
import { actor, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// Hostile input at every endpoint of the OpenAPI document (so a new endpoint is fuzzed without
// editing this file): generated bodies, headers, path and query parameters. Whatever comes
// in, the node answers without a 5xx, every refusal is problem+json with a known code, no
// refused command leaves an event in the global log, and the node is healthy afterwards.
// FUZZ_RUNS and FUZZ_SEED replay a run; a failure prints the seed and the requests.

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CONCURRENCY = 8;
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(STATUS));

interface OpenApiOperation {
  readonly parameters?: readonly { name: string; in: string }[];
  readonly requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}
interface Route {
  readonly method: string;
  readonly path: string;
  readonly pathParams: readonly string[];
  readonly queryParams: readonly string[];
  readonly bodyFields: readonly string[];
}
interface FuzzRequest {
  /** A valid command mixed in (so the log check also sees accepted appends), or generated noise. */
  readonly control?: boolean;
  readonly route: Route;
  readonly pathValues: readonly string[];
  readonly query: readonly (readonly [string, string])[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly kind: 'none' } | { readonly kind: 'raw'; readonly text: string; readonly contentType: string };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

const routesOf = (doc: OpenApiDocument): Route[] =>
  Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => {
        const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
        const schema = ref ? doc.components?.schemas?.[ref.split('/').pop() ?? ''] : undefined;
        return {
          method: method.toUpperCase(),
          path,
          pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
          queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          bodyFields: Object.keys(schema?.properties ?? {}),
        };
      }),
  );

// ---------------------------------------------------------------------------------------------
// Arbitraries: plausible values (to get past the first checks), hostile ones, and noise.

const plausible = fc.constantFrom(
  ORGS.maker,
  ORGS.cdc,
  ORGS.clinic,
  '8696321',
  '8696321-202611B001',
  '86963210000000000048',
  '510000',
  '440000',
  '000000',
  'HepB',
  'MMR',
  'RESIDENT_ID',
  '51010420230115123X',
  new Date().toISOString(),
  '2026-01-01',
  'IM',
  'clinic',
  'cdc',
  'manufacturer',
  'recall',
  '00000000-0000-4000-8000-000000000000',
);
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '%00',
    '\u0000',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
    'NaN',
    '-1',
    '1e309',
    '9007199254740993',
    // Whole numbers JavaScript prints in exponent form (1e21 and up): no SQL bigint parses those.
    '1e21',
    '99999999999999999999999',
    '😀'.repeat(50),
    'x'.repeat(5000),
  ),
);
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  plausible,
  hostileText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1, 2 ** 31, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(plausible, fc.string({ maxLength: 10 })), leaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const deeplyNested = fc.integer({ min: 100, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));

const bodyOf = (route: Route): fc.Arbitrary<FuzzRequest['body']> => {
  const json = (text: string): FuzzRequest['body'] => ({ kind: 'raw', text, contentType: 'application/json' });
  // Objects shaped like the DTO: its field names (some dropped, some unknown added) with any values.
  const shaped = fc
    .record({
      fields: fc.subarray([...route.bodyFields]),
      values: fc.array(value, { minLength: route.bodyFields.length, maxLength: route.bodyFields.length }),
      extra: fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'actor'), fc.string()), value, {
        maxKeys: 2,
      }),
      withExtra: fc.boolean(),
    })
    .map(({ fields, values, extra, withExtra }) => {
      const body: Record<string, unknown> = {};
      fields.forEach((field, i) => {
        body[field] = values[i];
      });
      return JSON.stringify(withExtra ? { ...body, ...extra } : body).replace(/"__proto__x?"/, '"__proto__"');
    });
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map(json) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => json(JSON.stringify(v))) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(json) },
    { weight: 1, arbitrary: deeplyNested.map(json) },
    { weight: 1, arbitrary: fc.constant<FuzzRequest['body']>({ kind: 'none' }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/json; charset=latin1',
            'application/merge-patch+json',
          ),
          fc.string({ maxLength: 100 }),
        )
        .map(([contentType, text]) => ({ kind: 'raw' as const, text, contentType })),
    },
  );
};

const headerSafe = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme-ascii', maxLength }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const ROLES = ['manufacturer', 'cdc', 'clinic', 'regulator', 'hub'];
const PROVINCES = ['510000', '440000', '320000', '000000'];
const devActor = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ROLES), fc.constantFrom(...Object.values(ORGS)), fc.constantFrom(...PROVINCES)) },
  { weight: 1, arbitrary: fc.tuple(headerSafe(12), headerSafe(20), headerSafe(8)) },
);
// One identity per request, mostly a well-formed dev actor (to get past authentication), else
// garbage credentials of each scheme, or none.
const credentials: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 12, arbitrary: devActor.map(([r, o, p]) => ({ 'X-Dev-Actor': `${r}:${o}:${p}` })) },
  { weight: 1, arbitrary: headerSafe(60).map((v) => ({ 'X-Dev-Actor': v })) },
  { weight: 1, arbitrary: headerSafe(80).map((t) => ({ Authorization: `Bearer ${t}` })) },
  { weight: 1, arbitrary: fc.constant({ Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoicmVndWxhdG9yIn0.' }) },
  { weight: 1, arbitrary: headerSafe(64).map((k) => ({ 'X-Api-Key': k })) },
  { weight: 1, arbitrary: fc.constant({}) },
);
const optionalHeader = (name: string, arb: fc.Arbitrary<string>): fc.Arbitrary<Record<string, string>> =>
  fc.option(arb, { freq: 3 }).map((v) => (v === null ? {} : { [name]: v }));
const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    credentials,
    optionalHeader('Idempotency-Key', fc.oneof(headerSafe(140), fc.uuid())),
    optionalHeader('If-Match', fc.oneof(headerSafe(20), fc.nat().map(String), fc.constant('W/"3"'))),
    optionalHeader('Accept', fc.constantFrom('application/json', 'text/html', '*/*', 'application/problem+json', 'image/png')),
    optionalHeader('Content-Encoding', fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown')),
  )
  .map((parts) => Object.assign({}, ...parts) as Record<string, string>);

// A valid organisation registration by the national regulator, with a fresh code (check
// character computed), about one request in fifty: accepted, so it appends exactly one event.
const controlArb = (routes: readonly Route[]): fc.Arbitrary<FuzzRequest> => {
  const route = routes.find((r) => r.method === 'POST' && r.path === '/v1/organisations');
  if (!route) throw new Error('POST /v1/organisations is not in the OpenAPI document');
  return fc.string({ unit: fc.constantFrom(...USCC_ALPHABET), minLength: 9, maxLength: 9 }).map((tail): FuzzRequest => {
    const body17 = `12510000${tail}`;
    const orgCode = body17 + usccCheckChar(body17);
    return {
      control: true,
      route,
      pathValues: [],
      query: [],
      headers: { 'X-Dev-Actor': `regulator:${ORGS.regulator}:000000` },
      body: {
        kind: 'raw',
        text: JSON.stringify({ orgCode, name: `Fuzz control ${tail}`, kind: 'clinic', provinceCode: '510000' }),
        contentType: 'application/json',
      },
    };
  });
};

const noiseArb = (routes: readonly Route[]): fc.Arbitrary<FuzzRequest> =>
  fc.constantFrom(...routes).chain((route) =>
    fc.record({
      route: fc.constant(route),
      pathValues: fc.array(fc.oneof({ weight: 2, arbitrary: plausible }, { weight: 3, arbitrary: hostileText }), {
        minLength: route.pathParams.length,
        maxLength: route.pathParams.length,
      }),
      query: fc.array(
        fc.tuple(fc.oneof(fc.constantFrom(...route.queryParams, 'limit', 'after', '__proto__'), headerSafe(8)), hostileText),
        {
          maxLength: 3,
        },
      ),
      headers: headersArb,
      body: route.method === 'GET' ? fc.constant<FuzzRequest['body']>({ kind: 'none' }) : bodyOf(route),
    }),
  );

const requestArb = (routes: readonly Route[]): fc.Arbitrary<FuzzRequest> =>
  fc.oneof({ weight: 49, arbitrary: noiseArb(routes) }, { weight: 1, arbitrary: controlArb(routes) });

// ---------------------------------------------------------------------------------------------

interface Outcome {
  readonly request: FuzzRequest;
  readonly correlationId: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const describeRequest = (r: FuzzRequest): string =>
  JSON.stringify({ method: r.route.method, path: r.route.path, pathValues: r.pathValues, headers: r.headers, body: r.body }).slice(0, 600);

describe('fuzzing every endpoint in the OpenAPI document', () => {
  let api: ApiHarness;
  let base = '';

  beforeAll(async () => {
    api = await startApi({ RATE_LIMIT_PER_MINUTE: '0' });
    await api.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(api.app.getHttpServer().address() as AddressInfo).port}`;
    // Some master data, so generated commands also reach the rules, not only validation.
    const as = actor('regulator', ORGS.regulator, '000000');
    for (const [orgCode, kind, provinceCode] of [
      [ORGS.maker, 'manufacturer', '320000'],
      [ORGS.cdc, 'cdc', '510000'],
      [ORGS.clinic, 'clinic', '440000'],
    ] as const)
      await api.http
        .post('/v1/organisations')
        .set(as)
        .send({ orgCode, name: `Org ${kind}`, kind, provinceCode });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  }, 30_000);

  const send = async (r: FuzzRequest, correlationId: string): Promise<Outcome> => {
    let path = r.route.path;
    r.route.pathParams.forEach((name, i) => {
      path = path.replace(`{${name}}`, encodeURIComponent(r.pathValues[i] ?? ''));
    });
    const query = new URLSearchParams(r.query.map(([k, v]): [string, string] => [k, v])).toString();
    const headers: Record<string, string> = { ...r.headers, 'X-Correlation-Id': correlationId };
    if (r.body.kind === 'raw') headers['Content-Type'] = r.body.contentType;
    const response = await fetch(`${base}${path}${query ? `?${query}` : ''}`, {
      method: r.route.method,
      headers,
      ...(r.body.kind === 'raw' ? { body: r.body.text } : {}),
      redirect: 'manual',
    });
    return {
      request: r,
      correlationId,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: await response.text(),
    };
  };

  it(`answers ${RUNS} generated requests without a 5xx, with problem+json refusals, and appends nothing it refused`, async () => {
    const doc = (await api.http.get('/openapi.json')).body as OpenApiDocument;
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThan(10);
    const requests = fc.sample(requestArb(routes), { numRuns: RUNS, seed: SEED });
    const positionBefore = await api.runtime.store.latestPosition();
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < requests.length; i = next++) outcomes.push(await send(requests[i]!, `fuzz-${SEED}-${i}`));
      }),
    );

    const where = `(FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`;
    const serverErrors = outcomes.filter((o) => o.status >= 500);
    expect({ where, serverErrors: serverErrors.slice(0, 5).map((o) => `${o.status} ${o.body} <- ${describeRequest(o.request)}`) }).toEqual({
      where,
      serverErrors: [],
    });
    const badRefusals = outcomes.filter((o) => {
      if (o.status < 400) return false;
      if (!o.contentType.startsWith('application/problem+json')) return true;
      try {
        const code = (JSON.parse(o.body) as { code?: unknown }).code;
        return typeof code !== 'string' || !KNOWN_CODES.has(code);
      } catch {
        return true;
      }
    });
    expect({
      where,
      badRefusals: badRefusals
        .slice(0, 5)
        .map((o) => `${o.status} ${o.contentType} ${o.body.slice(0, 200)} <- ${describeRequest(o.request)}`),
    }).toEqual({ where, badRefusals: [] });

    // Every event appended during the run belongs to a request that was answered 2xx, and every
    // accepted control command left its event: the log grew by accepted commands only.
    const accepted = new Set(outcomes.filter((o) => o.status < 300).map((o) => o.correlationId));
    const appended = await api.runtime.store.readAll({ after: positionBefore, limit: 100_000 });
    const fromRefused = appended.filter((e) => !accepted.has(String(e.metadata.correlationId)));
    expect({ where, fromRefused: fromRefused.map((e) => `${e.type} ${String(e.metadata.correlationId)}`) }).toEqual({
      where,
      fromRefused: [],
    });
    const controls = outcomes.filter((o) => o.request.control === true);
    const acceptedControls = controls.filter((o) => o.status === 201);
    expect(controls.length).toBeGreaterThan(0);
    expect(acceptedControls.length).toBeGreaterThan(controls.length / 2);
    const appendedBy = new Set(appended.map((e) => String(e.metadata.correlationId)));
    expect(acceptedControls.filter((o) => !appendedBy.has(o.correlationId)).map((o) => o.correlationId)).toEqual([]);
    // Most of what was generated is refused; the statuses say the fuzz reached the rules too.
    const statuses = new Set(outcomes.map((o) => o.status));
    if (process.env.FUZZ_REPORT) {
      const histogram: Record<string, number> = {};
      for (const o of outcomes)
        histogram[`${o.status} ${o.request.route.method} ${o.request.route.path}`] =
          (histogram[`${o.status} ${o.request.route.method} ${o.request.route.path}`] ?? 0) + 1;
      process.stderr.write(`${JSON.stringify({ routes: routes.length, appended: appended.length, histogram }, null, 1)}\n`);
    }
    expect(outcomes).toHaveLength(RUNS);
    expect([...statuses]).toEqual(expect.arrayContaining([400, 401, 404]));
  }, 170_000);

  it('is healthy afterwards and still takes a valid command', async () => {
    const health = await api.http.get('/health');
    expect(health.status).toBe(200);
    const res = await api.http
      .post('/v1/organisations')
      .set(actor('regulator', ORGS.regulator, '000000'))
      .send({ orgCode: ORGS.otherMaker, name: 'After the fuzz', kind: 'manufacturer', provinceCode: '350000' });
    expect(res.status).toBe(201);
  }, 30_000);
});
