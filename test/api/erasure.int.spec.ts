import { createDecipheriv } from 'node:crypto';
import { rebuildProjections } from '../../apps/cli/src/rebuild';
import { AS, ORGS, actor, startApi, type ApiHarness } from '../support/api-harness';
import { stockClinic } from '../support/scenario';

// Crypto-shredding: DELETE /v1/persons/{personId}/details destroys the person's data key and
// appends PersonDetailsErased. The doses stay (under the pseudonym), in every view, after a
// full rebuild, and in the recall impact; name, ID number and birth date are gone for good.

const PRODUCT = '8696321';
const LOT = 'ERA2026A';
const BATCH = `${PRODUCT}-${LOT}`;
const PERSON = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '李四', birthDate: '2021-01-15', sex: 'F' };
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const daysAgo = (d: number): string => minutesAgo(d * 1440);

interface VaultRow {
  readonly key_id: string;
  readonly wrapped_key: Buffer;
}

// Opens a value sealed the vault's way (AES-256-GCM: iv | tag | body, owner as associated data).
const open = (key: Buffer, sealed: Buffer, associated: string): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(associated, 'utf8'));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
};

describe('erasing a person’s details (crypto-shredding)', () => {
  let api: ApiHarness;
  let personId = '';
  let ciphertext: Buffer = Buffer.alloc(0);

  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const dose = (doseNumber: number, administeredAt: string): Promise<Record<string, unknown>> =>
    post('/v1/doses', AS.clinic, { person: PERSON, batchId: BATCH, doseNumber, administeredAt, route: 'IM', vaccinatorRef: 'V-2' });
  const erase = (id: string, as: Record<string, string>, body: object = { legalBasis: 'court_order' }) =>
    api.http.delete(`/v1/persons/${id}/details`).set(as).send(body);
  const record = async (): Promise<Record<string, unknown>> => {
    await api.settle();
    const res = await api.http.get(`/v1/persons/${personId}/record`).set(AS.clinic);
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  };
  const recipients = async (): Promise<string[]> => {
    await api.settle();
    const res = await api.http.get(`/v1/batches/${BATCH}/recipients`).set(AS.regulator);
    expect(res.status).toBe(200);
    return (res.body.persons as { personId: string }[]).map((p) => p.personId);
  };
  const vaultSchema = (): string => (api.runtime.vault as unknown as { schema: string }).schema;
  const vaultRows = async (table: string): Promise<unknown[]> =>
    api.runtime.readModels.dataSource.query(`SELECT * FROM "${vaultSchema()}".${table} WHERE person_id = $1`, [personId]);

  beforeAll(async () => {
    api = await startApi();
    await stockClinic(api, { lot: LOT });
    personId = String((await dose(1, daysAgo(35))).id);
    // The CDC erasing has the person's case in front of it: it looked them up by document.
    const lookup = await api.http.post('/v1/persons/lookup').set(AS.cdc).send({ idType: PERSON.idType, idNumber: PERSON.idNumber });
    expect(lookup.status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  it('shows the details before erasure, stored only as ciphertext that opens under the person’s key', async () => {
    const body = await record();
    expect(body).toMatchObject({ personId, erased: false, details: { name: PERSON.name, birthDate: PERSON.birthDate, sex: 'F' } });
    const [row] = (await vaultRows('person_details')) as { ciphertext: Buffer }[];
    ciphertext = row!.ciphertext;
    expect(ciphertext.includes(Buffer.from(PERSON.name, 'utf8'))).toBe(false);
    const [key] = (await vaultRows('person_keys')) as VaultRow[];
    const master = api.runtime.settings.vaultMasterKey;
    expect(JSON.parse(open(open(master, key!.wrapped_key, key!.key_id), ciphertext, personId).toString('utf8'))).toMatchObject({
      name: PERSON.name,
    });
  });

  it('refuses a subject request while the dose records must be kept (retention hold), appending nothing', async () => {
    const size = await api.logSize();
    const res = await erase(personId, AS.cdc, { legalBasis: 'subject_request' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'RETENTION_HOLD' });
    expect(await api.logSize()).toBe(size);
    expect(await vaultRows('person_keys')).toHaveLength(1);
  });

  it('refuses other roles (403), a malformed id or body (400) and an unknown person (404), appending nothing', async () => {
    const size = await api.logSize();
    for (const as of [AS.clinic, AS.regulator, AS.maker, actor('hub', ORGS.regulator, '000000')]) {
      const res = await erase(personId, as);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    for (const [id, body] of [
      ['510104199003071237', { legalBasis: 'court_order' }],
      ['P1' + personId.slice(2), { legalBasis: 'court_order' }],
      [personId, {}],
      [personId, { legalBasis: 'because' }],
      [personId, { legalBasis: 'court_order', name: PERSON.name }],
    ] as const) {
      const res = await erase(id, AS.cdc, body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body)).not.toContain(PERSON.name);
    }
    const unknown = await erase('p1aaaaaaaaaaaaaaaaaaaaaaaaaa', AS.cdc);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await api.logSize()).toBe(size);
    expect(await vaultRows('person_keys')).toHaveLength(1);
  });

  it('erases under a court order: PersonDetailsErased in the person’s stream, key and ciphertext gone', async () => {
    const doseCount = ((await record()).doses as unknown[]).length;
    const before = await recipients();
    const res = await erase(personId, AS.cdc);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: personId, streamId: `person-510000-${personId}`, eventIds: [expect.any(String)] });
    const events = await api.runtime.store.readStream(`person-510000-${personId}`);
    const erased = events.at(-1)!;
    expect(erased).toMatchObject({
      type: 'PersonDetailsErased',
      schemaVersion: 1,
      data: { personId, legalBasis: 'court_order', keyId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      metadata: { actor: { orgCode: ORGS.cdc, role: 'cdc' }, originProvince: '510000' },
    });
    expect(JSON.stringify(erased.data)).not.toMatch(new RegExp(`${PERSON.name}|${PERSON.birthDate}|${PERSON.idNumber}`));
    expect(await vaultRows('person_keys')).toHaveLength(0);
    expect(await vaultRows('person_details')).toHaveLength(0);
    expect(await vaultRows('person_erasures')).toHaveLength(1);
    // A copy of the ciphertext (a backup, say) opens under no key the vault still holds.
    const master = api.runtime.settings.vaultMasterKey;
    const keys = (await api.runtime.readModels.dataSource.query(
      `SELECT key_id::text, wrapped_key FROM "${vaultSchema()}".person_keys`,
    )) as VaultRow[];
    for (const key of keys) expect(() => open(open(master, key.wrapped_key, key.key_id), ciphertext, personId)).toThrow();
    await expect(api.runtime.vault.readDetails(personId)).resolves.toBeNull();

    const after = await record();
    expect(after).toMatchObject({ personId, erased: true });
    expect(after).not.toHaveProperty('details');
    expect((after.doses as unknown[]).length).toBe(doseCount);
    expect(JSON.stringify(after)).not.toMatch(new RegExp(`${PERSON.name}|${PERSON.birthDate}|${PERSON.idNumber}`));
    expect(await recipients()).toEqual(before);
    expect(before).toContain(personId);
  });

  it('answers a second erasure with the same resource and no new event (idempotent)', async () => {
    const size = await api.logSize();
    const res = await erase(personId, AS.cdc, { legalBasis: 'duplicate_identity' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: personId, eventIds: [] });
    expect(await api.logSize()).toBe(size);
  });

  it('records a later dose under the same pseudonym without keeping the details again', async () => {
    const later = await dose(2, minutesAgo(1));
    expect(later.id).toBe(personId);
    const events = await api.runtime.store.readStream(`person-510000-${personId}`);
    expect(events.at(-1)!.type).toBe('DoseAdministered');
    expect(events.filter((e) => e.type === 'PersonRegistered')).toHaveLength(1);
    expect(await vaultRows('person_keys')).toHaveLength(0);
    expect(await vaultRows('person_details')).toHaveLength(0);
    const body = await record();
    expect(body).toMatchObject({ erased: true });
    expect(body).not.toHaveProperty('details');
    expect((body.doses as { doseNumber: number }[]).map((d) => d.doseNumber)).toEqual([1, 2]);
    expect(await recipients()).toEqual([personId, personId]);
  });

  it('stays erased, with every dose, after a full rebuild of the read models', async () => {
    const before = await record();
    await api.runtime.readModels.runner.stop();
    await rebuildProjections(api.runtime, ['all'], () => undefined);
    api.runtime.readModels.runner.start();
    const after = await record();
    expect(after.erased).toBe(true);
    expect(after).not.toHaveProperty('details');
    expect(after.doses).toEqual(before.doses);
    expect(after.series).toEqual(before.series);
    expect(await recipients()).toEqual([personId, personId]);
    expect(await vaultRows('person_keys')).toHaveLength(0);
  });
});
