import type { DoseImportResult } from '@vaxledger/application';
import { residentIdCheckChar } from '@vaxledger/domain';
import { DOSE_IMPORT_LIMIT_BYTES } from '../../apps/api/src/features/doses/doses.controller';
import { AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';
import { HEPB_PRODUCT, stockClinic } from '../support/scenario';

// POST /v1/doses/import on the node's own store (PostgreSQL, or PGlite without DATABASE_URL):
// a file of valid rows and bad rows, each refused with the code POST /v1/doses answers; the
// same file again records nothing twice; the edge's refusals of the file itself (ADR 0030).

const LOT = 'CSV2026A';
const BATCH = `${HEPB_PRODUCT}-${LOT}`;
const UNITS = 13;
const HEADER = 'idType,idNumber,name,birthDate,sex,batchId,traceCode,doseNumber,administeredAt,route,vaccinatorRef,idempotencyKey';

const residentId = (n: number): string => {
  const body = `44030519900307${String(n).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
};
const NOW = Date.now();
const hoursAgo = (h: number): string => new Date(NOW - h * 3_600_000).toISOString();
interface Row {
  n: number;
  batchId?: string;
  traceCode?: string;
  doseNumber?: number;
  at?: string;
  route?: string;
  key?: string;
  idNumber?: string;
}
const line = (r: Row): string =>
  [
    'RESIDENT_ID',
    r.idNumber ?? residentId(r.n),
    `受种者${r.n}`,
    '1990-03-07',
    r.n % 2 ? '男' : 'F',
    r.batchId ?? BATCH,
    r.traceCode ?? '',
    String(r.doseNumber ?? 1),
    r.at ?? hoursAgo(3),
    r.route ?? 'IM',
    'V-07',
    r.key ?? '',
  ].join(',');

// Rows in file order, and what each must become. Stock: 13 units. A person's second row (and a
// key's second row) is decided in a later group than the first, after the other persons' rows.
const ROWS: [Row, string][] = [
  ...Array.from({ length: 9 }, (_, n): [Row, string] => [{ n }, 'recorded']),
  [{ n: 0, doseNumber: 2, at: hoursAgo(1) }, 'INTERVAL_TOO_SHORT'],
  [{ n: 1, at: hoursAgo(2) }, 'DUPLICATE_DOSE_NUMBER'],
  [{ n: 20, route: 'oral' }, 'VALIDATION_FAILED'],
  [{ n: 21, idNumber: `${residentId(21).slice(0, 17)}${residentId(21).endsWith('0') ? '1' : '0'}` }, 'INVALID_PERSON_ID'],
  [{ n: 22, traceCode: 'not-a-code' }, 'INVALID_TRACE_CODE'],
  [{ n: 23, batchId: `${HEPB_PRODUCT}-NOSUCHLOT` }, 'UNKNOWN_BATCH'],
  [{ n: 24, at: new Date(Date.now() + 86_400_000).toISOString() }, 'TIME_IN_FUTURE'],
  [{ n: 30, key: 'HIS-0001' }, 'recorded'],
  [{ n: 31, key: 'HIS-0001' }, 'IDEMPOTENCY_KEY_REUSED'],
  [{ n: 9 }, 'recorded'],
  [{ n: 10 }, 'recorded'],
  // The first row again, word for word: the same dose, recorded once.
  [{ n: 0 }, 'duplicate'],
];

describe('POST /v1/doses/import', () => {
  let api: ApiHarness;
  let file = '';

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT, quantity: UNITS });
    // Built once: the second import must send the very same rows (their times included).
    file = `${HEADER}\n${ROWS.map(([r]) => line(r)).join('\n')}\n`;
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  const post = (body: string | Buffer, as = AS.clinic, type = 'text/csv') =>
    api.http.post('/v1/doses/import').set(as).set('content-type', type).send(body);

  it('records the valid rows, refuses each bad row alone with its code, and answers per row', async () => {
    const before = await api.logSize();
    const res = await post(file);
    expect(res.status).toBe(200);
    const result = res.body as DoseImportResult;
    expect(result.outcomes.map((o) => o.code ?? o.status)).toEqual(ROWS.map(([, want]) => want));
    expect(result.outcomes.map((o) => o.line)).toEqual(ROWS.map((_, i) => i + 2));
    expect(result.summary).toMatchObject({ rows: ROWS.length, recorded: 12, duplicates: 1, refused: 8 });
    expect(result.outcomes.find((o) => o.code === 'VALIDATION_FAILED')!.errors).toEqual([
      { field: 'route', reason: 'route must be one of: IM, SC, ID, PO, IN' },
    ]);
    // A new person is registered with the dose: two events per recorded row, nothing for the others.
    expect(await api.logSize()).toBe(before + 2 * 12);
    // No answer repeats an ID number or a name.
    expect(JSON.stringify(result)).not.toMatch(/受种者|4403051990030/);

    // The row's person is readable at the clinic with the dose the answer names.
    await api.settle();
    const first = result.outcomes[0]!;
    const record = await api.http.get(`/v1/persons/${first.personId}/record`).set(AS.clinic);
    expect(record.status).toBe(200);
    expect((record.body.doses as { eventId: string; siteCode: string }[]).map((d) => [d.eventId, d.siteCode])).toEqual([
      [first.doseEventId, ORGS.clinic],
    ]);
    // The identity document went to the vault, not to the log.
    const schema = (api.runtime.store as unknown as { schemaName: string }).schemaName;
    const leaked = await api.runtime.readModels.dataSource.query(
      `SELECT count(*)::int AS n FROM "${schema}".events WHERE data::text LIKE $1`,
      [`%${residentId(0)}%`],
    );
    expect(leaked).toEqual([{ n: 0 }]);
  }, 60_000);

  it('records nothing twice when the same file is imported again (with a BOM and CRLF, as Excel saves it)', async () => {
    const before = await api.logSize();
    const res = await post(Buffer.from(`\ufeff${file.replace(/\n/g, '\r\n')}`, 'utf8'));
    expect(res.status).toBe(200);
    const result = res.body as DoseImportResult;
    expect(result.summary).toMatchObject({ recorded: 0, duplicates: 13 });
    // Refused rows are refused again (none was remembered); the stock is still used up.
    expect(result.outcomes.map((o) => (o.status === 'refused' ? o.code : o.status))).toEqual(
      ROWS.map(([, want]) => (want === 'recorded' ? 'duplicate' : want)),
    );
    expect(await api.logSize()).toBe(before);
  }, 60_000);

  it('refuses the rows the stock no longer covers, and records the others (INSUFFICIENT_STOCK)', async () => {
    const res = await post(`${HEADER}\n${line({ n: 40 })}\n${line({ n: 41 })}\n`);
    expect((res.body as DoseImportResult).outcomes.map((o) => o.code ?? o.status)).toEqual(['recorded', 'INSUFFICIENT_STOCK']);
  }, 60_000);

  it('refuses a file it cannot read as a whole, with problem+json, and records nothing', async () => {
    const before = await api.logSize();
    const missing = await post(`${HEADER.replace(',vaccinatorRef', '')}\n`);
    expect(missing.status).toBe(400);
    expect(missing.type).toBe('application/problem+json');
    expect(missing.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'vaccinatorRef', reason: 'column vaccinatorRef is missing' }],
    });
    const gbk = await post(Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0a]));
    expect(gbk.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', detail: expect.stringMatching(/not UTF-8/) });
    const json = await post(JSON.stringify({ rows: [] }), AS.clinic, 'application/json');
    expect(json.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const latin1 = await post(file, AS.clinic, 'text/csv; charset=iso-8859-1');
    expect(latin1.body).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(await api.logSize()).toBe(before);
  }, 60_000);

  it('answers 413 with a clear problem for a file over the limit', async () => {
    const big = `${HEADER}\n${line({ n: 0 })}\n`.padEnd(DOSE_IMPORT_LIMIT_BYTES + 1, '\n');
    const res = await post(big);
    expect(res.status).toBe(413);
    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'BODY_TOO_LARGE', detail: expect.stringMatching(/limit of 4194304 bytes .*split it/) });
  }, 60_000);

  it('is in the OpenAPI document: a text/csv body, the outcomes, and the file’s own 400, 413 and 415', async () => {
    const doc = (await api.http.get('/openapi.json')).body as {
      paths: Record<
        string,
        Record<string, { requestBody: { content: Record<string, unknown> }; responses: Record<string, { description: string }> }>
      >;
    };
    const operation = doc.paths['/v1/doses/import']!.post!;
    expect(Object.keys(operation.requestBody.content)).toEqual(['text/csv']);
    expect(operation.responses['200']).toBeDefined();
    expect(operation.responses['413']!.description).toMatch(/4 MiB/);
    expect(operation.responses['415']!.description).toMatch(/text\/csv/);
  }, 60_000);

  it('is for clinics only, as POST /v1/doses', async () => {
    expect((await post(file, AS.cdc)).body).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const anonymous = await api.http.post('/v1/doses/import').set('content-type', 'text/csv').send(file);
    expect(anonymous.status).toBe(401);
  }, 60_000);
});
