import { AS, ORGS, actor, startApi, type ApiHarness } from '../support/api-harness';
import { whileAuditRefused } from '../support/audit-refusal';
import { stockClinic } from '../support/scenario';
import { until } from '../support/until';

// Every read of personal data leaves an access event in the node's own log before it is
// answered: person lookups, person records and recall-impact exports. Regulators list them.

const PRODUCT = '8696321';
const LOT = 'AUD2026A';
const BATCH = `${PRODUCT}-${LOT}`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const ACCESS_TYPES = ['PersonLookedUp', 'PersonRecordRead', 'RecallImpactExported'];

interface LoggedEvent {
  readonly streamId: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
}

describe('audit trail of reads of personal data', () => {
  let api: ApiHarness;
  let personId = '';

  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };

  /** Access events in the log, read straight from the store (not through the projection). */
  const accessEvents = async (): Promise<LoggedEvent[]> => {
    // The log's reader bound waits for transactions still open anywhere on the server (other
    // suites run beside this one): wait until it covers everything committed so far.
    const latest = await api.runtime.store.latestPosition();
    await until('the log reader to see every committed event', async () => (await api.runtime.store.headPosition()) >= latest, 10_000, 20);
    const all = await api.runtime.store.readAll({ after: 0n, limit: 100_000 });
    return all.filter((e) => ACCESS_TYPES.includes(e.type)) as unknown as LoggedEvent[];
  };

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT });
    const dose = await post('/v1/doses', AS.clinic, {
      person: PERSON,
      batchId: BATCH,
      doseNumber: 1,
      administeredAt: minutesAgo(10),
      route: 'IM',
      vaccinatorRef: 'V-1',
    });
    personId = String(dose.id);
    await api.settle();
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  it('records a lookup: who, which pseudonym, why (default treatment) and when, in the organisation’s stream of the day', async () => {
    const before = await accessEvents();
    const res = await api.http
      .post('/v1/persons/lookup')
      .set(AS.clinic)
      .set('X-Staff-Ref', 'NURSE-07')
      .send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
    expect(res.status).toBe(200);
    expect(res.body.personId).toBe(personId);
    const after = await accessEvents();
    expect(after).toHaveLength(before.length + 1);
    const event = after.at(-1)!;
    expect(event.type).toBe('PersonLookedUp');
    expect(event.streamId).toMatch(new RegExp(`^audit-${ORGS.clinic}-\\d{8}$`));
    expect(event.data).toMatchObject({ personId, purpose: 'treatment' });
    expect(Date.parse(String(event.data.accessedAt))).toBeGreaterThan(Date.now() - 60_000);
    expect(event.metadata.actor).toEqual({
      orgCode: ORGS.clinic,
      role: 'clinic',
      provinceCode: '440000',
      siteCode: ORGS.clinic,
      staffRef: 'NURSE-07',
    });
  });

  it('records every read of a record and every recall-impact export, with the purpose the caller gave', async () => {
    const before = (await accessEvents()).length;
    // A CDC reads a record only once it has looked the person up by ID document.
    const lookup = await api.http
      .post('/v1/persons/lookup')
      .set(AS.cdc)
      .set('X-Purpose-Of-Use', 'public_health')
      .send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
    expect(lookup.status).toBe(200);
    const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.cdc).set('X-Purpose-Of-Use', 'public_health');
    expect(record.status).toBe(200);
    const json = await api.http.get(`/v1/batches/${BATCH}/recipients`).set(AS.regulator);
    expect(json.status).toBe(200);
    const csv = await api.http
      .get(`/v1/batches/${BATCH}/recipients?format=csv`)
      .set(AS.regulator)
      .set('X-Purpose-Of-Use', 'RECALL_FOLLOW_UP');
    expect(csv.status).toBe(200);
    const added = (await accessEvents()).slice(before);
    expect(added.map((e) => [e.type, e.data.purpose, (e.metadata.actor as { orgCode: string }).orgCode])).toEqual([
      ['PersonLookedUp', 'public_health', ORGS.cdc],
      ['PersonRecordRead', 'public_health', ORGS.cdc],
      ['RecallImpactExported', 'recall_follow_up', ORGS.regulator],
      ['RecallImpactExported', 'recall_follow_up', ORGS.regulator],
    ]);
    expect(added[1]!.data.personId).toBe(personId);
    expect(added[2]!.data).toMatchObject({ batchId: BATCH, format: 'json', persons: 1 });
    expect(added[3]!.data).toMatchObject({ batchId: BATCH, format: 'csv', persons: 1 });
  });

  it('keeps names, birth dates and ID numbers out of the trail', async () => {
    const text = JSON.stringify(await accessEvents(), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(text).toContain(personId);
    for (const secret of [PERSON.idNumber, PERSON.name, PERSON.birthDate]) expect(text).not.toContain(secret);
  });

  it('refuses a purpose outside the value set or a malformed staff reference, appending nothing and disclosing nothing', async () => {
    const size = await api.logSize();
    const lookup = await api.http
      .post('/v1/persons/lookup')
      .set(AS.clinic)
      .set('X-Purpose-Of-Use', 'curiosity')
      .send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
    expect(lookup.status).toBe(400);
    expect(lookup.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(lookup.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'X-Purpose-Of-Use' }] });
    expect(JSON.stringify(lookup.body)).not.toContain(personId);
    const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic).set('X-Purpose-Of-Use', '');
    expect(record.status).toBe(400);
    const export_ = await api.http.get(`/v1/batches/${BATCH}/recipients`).set(AS.regulator).set('X-Staff-Ref', 'a b');
    expect(export_.status).toBe(400);
    expect(export_.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'X-Staff-Ref' }] });
    expect(await api.logSize()).toBe(size);
  });

  it('answers no read when the access event cannot be appended (503), and answers again once it can', async () => {
    await whileAuditRefused(api, async () => {
      const before = (await accessEvents()).length;
      const size = await api.logSize();
      const lookup = await api.http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: PERSON.idNumber });
      const record = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
      const csv = await api.http.get(`/v1/batches/${BATCH}/recipients?format=csv`).set(AS.regulator);
      for (const res of [lookup, record, csv]) {
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.code).toBe('AUDIT_UNAVAILABLE');
        expect(JSON.stringify(res.body)).not.toContain(personId);
        expect(res.text).not.toContain(personId);
      }
      expect((await accessEvents()).length).toBe(before);
      expect(await api.logSize()).toBe(size);
    });
    const again = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
    expect(again.status).toBe(200);
  });

  it('lets a regulator list access events by person, by batch and by time, page by page', async () => {
    await api.settle();
    const byPerson = await api.http.get(`/v1/audit/access?personId=${personId}`).set(AS.regulator);
    expect(byPerson.status).toBe(200);
    const types = (byPerson.body.events as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(['PersonLookedUp', 'PersonLookedUp', 'PersonRecordRead', 'PersonRecordRead']);
    expect(byPerson.body.events[0]).toMatchObject({
      personId,
      purpose: 'treatment',
      actor: { orgCode: ORGS.clinic, role: 'clinic', provinceCode: '440000', staffRef: 'NURSE-07' },
      streamId: expect.stringMatching(/^audit-/),
    });
    expect(byPerson.body.next).toBeNull();
    expect(byPerson.body.position).toMatch(/^\d+$/);

    const byBatch = await api.http.get(`/v1/audit/access?batchId=${BATCH}`).set(AS.regulator);
    expect((byBatch.body.events as { type: string; detail: unknown }[]).map((e) => [e.type, e.detail])).toEqual([
      ['RecallImpactExported', { format: 'json', persons: 1 }],
      ['RecallImpactExported', { format: 'csv', persons: 1 }],
    ]);

    // 6 accesses so far: two lookups, two record reads, two exports.
    const pages: string[] = [];
    let after: string | null = '0';
    while (after !== null) {
      const page = await api.http.get(`/v1/audit/access?limit=2&after=${after}`).set(AS.regulator);
      expect(page.status).toBe(200);
      expect((page.body.events as unknown[]).length).toBeLessThanOrEqual(2);
      pages.push(...(page.body.events as { eventId: string }[]).map((e) => e.eventId));
      after = page.body.next as string | null;
    }
    expect(pages).toHaveLength(6);
    expect(new Set(pages).size).toBe(6);
    expect(pages).toEqual((await accessEvents()).map((e) => (e as unknown as { eventId: string }).eventId));

    // Newest first, paged backwards with `before`: the same six, the other way round.
    const backwards: string[] = [];
    let before: string | null = null;
    do {
      const page = await api.http
        .get(`/v1/audit/access?order=newest&limit=4${before === null ? '' : `&before=${before}`}`)
        .set(AS.regulator);
      expect(page.status).toBe(200);
      backwards.push(...(page.body.events as { eventId: string }[]).map((e) => e.eventId));
      before = page.body.next as string | null;
    } while (before !== null);
    expect(backwards).toEqual([...pages].reverse());
    const newestOfCdc = await api.http.get(`/v1/audit/access?order=newest&limit=1&orgCode=${ORGS.cdc}`).set(AS.regulator);
    expect((newestOfCdc.body.events as { type: string }[]).map((e) => e.type)).toEqual(['PersonRecordRead']);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await api.http.get(`/v1/audit/access?from=${encodeURIComponent(future)}`).set(AS.regulator);
    expect(none.body.events).toEqual([]);
    const all = await api.http
      .get(`/v1/audit/access?from=${encodeURIComponent(minutesAgo(60))}&to=${encodeURIComponent(future)}&orgCode=${ORGS.cdc}`)
      .set(AS.regulator);
    expect((all.body.events as { type: string }[]).map((e) => e.type)).toEqual(['PersonLookedUp', 'PersonRecordRead']);
  });

  it('shows new reads to the regulator as the projection catches up', async () => {
    await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic).expect(200);
    await until(
      'the read listed',
      async () => {
        const res = await api.http.get(`/v1/audit/access?personId=${personId}`).set(AS.regulator);
        return (res.body.events as unknown[]).length === 5;
      },
      20_000,
    );
    const res = await api.http.get(`/v1/audit/access?personId=${personId}`).set(AS.regulator);
    expect((res.body.events as { type: string }[]).at(-1)!.type).toBe('PersonRecordRead');
  }, 30_000);

  it('lets no one but a regulator list the trail, and refuses malformed filters', async () => {
    const hub = actor('hub', ORGS.regulator, '000000');
    for (const as of [AS.clinic, AS.cdc, AS.maker, hub]) {
      const res = await api.http.get('/v1/audit/access').set(as);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect((await api.http.get('/v1/audit/access')).status).toBe(401);
    for (const query of [
      'personId=510104199003071237',
      'from=yesterday',
      'limit=0',
      'limit=1001',
      'after=-1',
      'surprise=1',
      'order=latest',
      'before=x',
    ]) {
      const res = await api.http.get(`/v1/audit/access?${query}`).set(AS.regulator);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    const backwards = await api.http
      .get(`/v1/audit/access?from=${encodeURIComponent(minutesAgo(0))}&to=${encodeURIComponent(minutesAgo(60))}`)
      .set(AS.regulator);
    expect(backwards.status).toBe(400);
  });

  it('keeps the trail out of the raw log the hub reads, while the national regulator sees it there', async () => {
    const hub = actor('hub', ORGS.regulator, '000000');
    const streams = async (as: Record<string, string>): Promise<string[]> => {
      const res = await api.http.get('/v1/events?limit=1000').set(as);
      expect(res.status).toBe(200);
      return (res.body.events as { streamId: string }[]).map((e) => e.streamId);
    };
    const forHub = await streams(hub);
    expect(forHub.some((id) => id.startsWith('person-'))).toBe(true);
    expect(forHub.filter((id) => id.startsWith('audit-'))).toEqual([]);
    expect((await streams(AS.regulator)).some((id) => id.startsWith('audit-'))).toBe(true);
  });

  it('never answers a person record without a trail entry, including for a person not on file', async () => {
    const before = (await accessEvents()).length;
    const unknown = await api.http.get('/v1/persons/p1aaaaaaaaaaaaaaaaaaaaaaaaaa/record').set(AS.clinic);
    expect(unknown.status).toBe(404);
    // Nothing was disclosed, so nothing is recorded.
    expect((await accessEvents()).length).toBe(before);
  });
});
