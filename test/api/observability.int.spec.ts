import { randomUUID } from 'node:crypto';
import { type ApiHarness, AS, startApi } from '../support/api-harness';
import { sample } from '../support/metrics-text';
import { stockClinic } from '../support/scenario';

// What operators read: /metrics moves by exactly what the requests did, /health gives the
// projection lag in events and seconds, and each request leaves one short log line.

const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
const OTHER = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '李四', birthDate: '2021-01-15', sex: 'F' };
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();

describe('observability', () => {
  let api: ApiHarness;
  let batchId: string;
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const metrics = async (): Promise<string> => (await api.http.get('/metrics')).text;
  let before: string;

  beforeAll(async () => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(...(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')).split('\n').filter((l) => l !== ''));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    api = await startApi({ LOG_LEVEL: 'info' });
    before = await metrics();
    ({ batchId } = await stockClinic(api, { lot: 'OBS1', quantity: 5 }));
  }, 90_000);

  afterAll(async () => {
    process.stdout.write = write;
    await api?.close();
  }, 30_000);

  const dose = (person: object, doseNumber: number, correlationId = randomUUID()) =>
    api.http
      .post('/v1/doses')
      .set({ ...AS.clinic, 'X-Correlation-Id': correlationId })
      .send({ person, batchId, doseNumber, administeredAt: minutesAgo(5), route: 'IM', vaccinatorRef: 'V-7' });

  it('counts receipts, doses, recalls and refusals by code, and times every request by route and status', async () => {
    expect((await dose(PERSON, 1)).status).toBe(201);
    const recall = await api.http
      .post('/v1/recalls')
      .set(AS.maker)
      .send({
        batchIds: [batchId],
        kind: 'recall',
        level: 1,
        initiation: 'voluntary',
        reasonCode: 'quality_defect',
        reasonText: 'potency below specification',
        effectiveAt: minutesAgo(1),
        actions: ['stop_use', 'return'],
        personFollowUp: 'notify',
      });
    expect(recall.status).toBe(201);
    const refused = await dose(PERSON, 2);
    expect(refused.body).toMatchObject({ status: 422, code: 'BATCH_RECALLED' });
    const after = await metrics();
    const moved = (name: string, labels: Record<string, string> = {}): number => sample(after, name, labels) - sample(before, name, labels);

    expect(moved('vaxledger_receipts_recorded_total', { origin: 'local' })).toBe(2); // manufacturer → CDC → clinic
    expect(moved('vaxledger_doses_recorded_total', { origin: 'local' })).toBe(1);
    expect(moved('vaxledger_recalls_recorded_total', { origin: 'local' })).toBe(1);
    expect(moved('vaxledger_doses_recorded_total', { origin: 'imported' })).toBe(0);
    expect(moved('vaxledger_refusals_total', { code: 'BATCH_RECALLED' })).toBe(1);
    expect(moved('vaxledger_events_appended_total', { type: 'DoseAdministered', origin: 'local' })).toBe(1);
    const doses = { method: 'POST', route: '/v1/doses' };
    expect(moved('vaxledger_http_request_duration_seconds_count', { ...doses, status: '201' })).toBe(1);
    expect(moved('vaxledger_http_request_duration_seconds_count', { ...doses, status: '422' })).toBe(1);
    expect(moved('vaxledger_http_request_duration_seconds_bucket', { ...doses, status: '201', le: '+Inf' })).toBe(1);
    const receipts = { method: 'POST', route: '/v1/shipments/:shipmentId/receipt', status: '201' };
    expect(moved('vaxledger_http_request_duration_seconds_count', receipts)).toBe(2);
    expect(moved('vaxledger_http_request_duration_seconds_sum', receipts)).toBeGreaterThan(0);
    // Sync is off on this node: its counters are present and still.
    expect(after).toContain('vaxledger_sync_messages_total{direction="out"} 0');
  }, 60_000);

  it('logs a dose request as one short line: method, route, status, time, request id, actor; no person data, no headers', async () => {
    const correlationId = randomUUID();
    const from = lines.length;
    const answer = await dose(OTHER, 1, correlationId);
    expect(answer.status).toBe(422); // the batch is recalled by now; a refusal is logged the same way
    await new Promise((resolve) => setTimeout(resolve, 200)); // pino writes asynchronously
    const ofRequest = lines.slice(from).filter((line) => line.includes(correlationId));
    expect(ofRequest).toHaveLength(1);
    const line = ofRequest[0]!;
    expect(line.length).toBeLessThan(300);
    expect(JSON.parse(line)).toEqual({
      level: 40,
      time: expect.any(Number) as unknown,
      pid: process.pid,
      reqId: correlationId,
      method: 'POST',
      route: '/v1/doses',
      status: 422,
      ms: expect.any(Number) as unknown,
      actor: `clinic:${AS.clinic['X-Dev-Actor']!.split(':')[1]}`,
      code: 'BATCH_RECALLED',
      msg: 'request',
    });
    for (const secret of [OTHER.idNumber, OTHER.name, OTHER.birthDate]) expect(line).not.toContain(secret);
    expect(line.toLowerCase()).not.toMatch(/headers|x-dev-actor|content-type|user-agent/);
  });

  it('measures, counts and logs a body refused before routing (malformed JSON, wrong media type)', async () => {
    const was = await metrics();
    const from = lines.length;
    const malformed = await api.http.post('/v1/doses').set(AS.clinic).set('Content-Type', 'application/json').send('{"person":');
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const plain = await api.http.post('/v1/doses').set(AS.clinic).set('Content-Type', 'text/plain').send('dose');
    expect(plain.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const now = await metrics();
    const moved = (name: string, labels: Record<string, string>): number => sample(now, name, labels) - sample(was, name, labels);
    expect(moved('vaxledger_refusals_total', { code: 'MALFORMED_JSON' })).toBe(1);
    expect(moved('vaxledger_refusals_total', { code: 'UNSUPPORTED_MEDIA_TYPE' })).toBe(1);
    // Labelled with the route they were for, although they never reached it.
    expect(moved('vaxledger_http_request_duration_seconds_count', { method: 'POST', route: '/v1/doses', status: '400' })).toBe(1);
    expect(moved('vaxledger_http_request_duration_seconds_count', { method: 'POST', route: '/v1/doses', status: '415' })).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200)); // pino writes asynchronously
    const logged = lines
      .slice(from)
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as { code?: string; status?: number });
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: 400, code: 'MALFORMED_JSON', route: '/v1/doses' }),
        expect.objectContaining({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', route: '/v1/doses' }),
      ]),
    );
  });

  it('answers the probes whatever query a load balancer or scraper adds', async () => {
    expect((await api.http.get('/health?nocache=1700000000')).status).toBe(200);
    expect((await api.http.get('/metrics?x=1')).status).toBe(200);
  });

  it('gives /health and /metrics the projection lag in events and seconds', async () => {
    await api.settle();
    const caughtUp = (await api.http.get('/health')).body as { projections: { name: string; lag: unknown }[] };
    for (const p of caughtUp.projections) expect(p.lag).toEqual({ events: 0, seconds: 0 });
    // Stop the projector, then append three events it will not see: lag is exactly three events.
    await api.runtime.readModels.runner.stop();
    for (let i = 0; i < 3; i++)
      await api.runtime.store.append(`product-lag-${randomUUID()}`, [
        { eventId: randomUUID(), type: 'ProductRegistered', schemaVersion: 1, data: {}, metadata: {} },
      ]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const health = (await api.http.get('/health')).body as { projections: { name: string; lag: { events: number; seconds: number } }[] };
    expect(health.projections.length).toBeGreaterThan(3);
    for (const p of health.projections) {
      expect(p.lag.events).toBe(3);
      expect(p.lag.seconds).toBeGreaterThanOrEqual(1.2);
      expect(p.lag.seconds).toBeLessThan(30);
    }
    const text = await metrics();
    const name = health.projections[0]!.name;
    expect(sample(text, 'vaxledger_projection_lag_events', { projection: name })).toBe(3);
    expect(sample(text, 'vaxledger_projection_lag_seconds', { projection: name })).toBeGreaterThanOrEqual(1.2);
  }, 30_000);
});
