import { randomUUID } from 'node:crypto';
import { pseudonymFor } from '@vaxledger/application';
import type { NewEvent } from '@vaxledger/event-store';
import { actor, startApi, type ApiHarness } from '../support/api-harness';
import { until } from '../support/until';

// A clinic in Guangdong (B) reports an AEFI about a dose given in Sichuan (A): the report
// reaches A over the real Kafka broker (peer to peer, and through the national hub), A's
// county CDC has it in its queue within 2 s, and its acknowledgement travels back to B.

const A = '510000';
const B = '440000';
const HUB = '000000';
const COUNTY_CDC_A = '12510104MB0000011K';
const CLINIC_A = '12510104MB0000022M';
const CLINIC_B = '12440300MB1B2345QN';
const CDC_B = '12440000MB0D00028M';
const SECRET = 'vaxledger-test-pepper-do-not-use';
const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237' } as const;
const PERSON_ID = pseudonymFor(SECRET, PERSON);
const hoursAgo = (h: number): string => new Date(Date.now() - h * 3_600_000).toISOString();

const ev = (type: string, data: Record<string, unknown>, orgCode: string, role: string): NewEvent => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data,
  metadata: { originProvince: A, actor: { orgCode, role, provinceCode: A } },
});

/** A's own facts, appended to A's log as its API would: the county CDC, its clinic, a dose there. */
const seedA = async (a: ApiHarness): Promise<string> => {
  const { store } = a.runtime;
  for (const [orgCode, kind, parentOrgCode] of [
    [COUNTY_CDC_A, 'cdc', null],
    [CLINIC_A, 'clinic', COUNTY_CDC_A],
  ] as const)
    await store.append(`org-${orgCode}`, [
      ev(
        'OrganisationRegistered',
        { orgCode, name: orgCode, kind, provinceCode: '510104', ...(parentOrgCode ? { parentOrgCode } : {}) },
        '12110000450712347E',
        'regulator',
      ),
    ]);
  const dose = ev(
    'DoseAdministered',
    {
      personId: PERSON_ID,
      siteCode: CLINIC_A,
      administeredAt: hoursAgo(30),
      batchId: '8696321-R2026A',
      productCode: '8696321',
      traceCode: null,
      vaccineType: 'HepB',
      doseNumber: 1,
      vaccinatorRef: 'V-1',
      route: 'IM',
    },
    CLINIC_A,
    'clinic',
  );
  await store.append(`person-${A}-${PERSON_ID}`, [
    ev('PersonRegistered', { personId: PERSON_ID, keyId: randomUUID() }, CLINIC_A, 'clinic'),
    dose,
  ]);
  return dose.eventId;
};

const scenario = (mode: 'peer' | 'hub'): void =>
  describe(`an AEFI about a dose given in another province (${mode} sync over Kafka)`, () => {
    let a: ApiHarness;
    let b: ApiHarness;
    let hub: ApiHarness | null = null;
    let doseId = '';

    beforeAll(async () => {
      const kafka = process.env.TEST_KAFKA_BROKERS;
      if (!kafka) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
      const prefix = `vxaefi-${mode}-${randomUUID().slice(0, 8)}`;
      const common = { KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix };
      if (mode === 'hub') {
        hub = await startApi(
          { ...common, SYNC_MODE: 'hub', PROVINCE_CODE: HUB, SYNC_PEERS: `${A},${B}` },
          { syncGroupId: `${prefix}-hub` },
        );
        a = await startApi({ ...common, SYNC_MODE: 'hub', PROVINCE_CODE: A }, { syncGroupId: `${prefix}-a` });
        b = await startApi({ ...common, SYNC_MODE: 'hub', PROVINCE_CODE: B }, { syncGroupId: `${prefix}-b` });
      } else {
        a = await startApi({ ...common, PROVINCE_CODE: A, SYNC_PEERS: B }, { syncGroupId: `${prefix}-a` });
        b = await startApi({ ...common, PROVINCE_CODE: B, SYNC_PEERS: A }, { syncGroupId: `${prefix}-b` });
      }
      doseId = await seedA(a);
      // B's own organisations reach A: the B → A path is up before anything is timed.
      const regulator = actor('regulator', '12110000450712347E', HUB);
      for (const [orgCode, kind] of [
        [CDC_B, 'cdc'],
        [CLINIC_B, 'clinic'],
      ] as const) {
        const res = await b.http.post('/v1/organisations').set(regulator).send({ orgCode, name: orgCode, kind, provinceCode: B });
        expect(res.status).toBe(201);
      }
      await until('B’s organisations in A', async () => (await a.runtime.readModels.organisation(CLINIC_B)) !== null, 60_000);
      if (mode === 'hub') {
        // Through the hub, B gets a person's doses once it serves or asks for the person.
        const lookup = await b.http
          .post('/v1/persons/lookup')
          .set(actor('clinic', CLINIC_B, B))
          .send(PERSON);
        expect(lookup.body).toEqual({ personId: PERSON_ID });
      }
      await until('A’s dose in B', async () => (await b.runtime.readModels.dose(doseId)) !== null, 60_000);
    }, 180_000);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await hub?.close();
    }, 60_000);

    it('reaches the county CDC of vaccination in A within 2 s, and the acknowledgement comes back to B', async () => {
      const reported = await b.http
        .post('/v1/aefi')
        .set(actor('clinic', CLINIC_B, B))
        .send({
          person: PERSON,
          doseEventIds: [doseId],
          discoveredAt: hoursAgo(1),
          onsetAt: hoursAgo(20),
          signs: ['fever_39'],
          serious: true,
          seriousCriteria: ['hospitalisation'],
          cluster: false,
          outcome: 'recovering',
          narrative: '入院观察',
          contact: { phone: '13912345678' },
        });
      expect(reported.status).toBe(201);
      const started = Date.now();
      const reportId = String(reported.body.id);
      const cdcA = actor('cdc', COUNTY_CDC_A, '510104');
      const inQueue = async (): Promise<boolean> =>
        ((await a.http.get('/v1/aefi').set(cdcA)).body.items as { reportId: string }[] | undefined)?.some((r) => r.reportId === reportId) ??
        false;
      await until('the report in A’s county CDC queue', inQueue, 2_000, 25);
      const elapsed = Date.now() - started;
      process.stderr.write(`AEFI ${mode}: B → A queue in ${elapsed} ms\n`);
      expect(elapsed).toBeLessThan(2_000);
      // Routed, not copied in full: A holds the report, pseudonymous; the narrative stayed in B's vault.
      const inA = await a.http.get(`/v1/aefi/${reportId}`).set(cdcA);
      expect(inA.body).toMatchObject({ reportProvince: B, personId: PERSON_ID, doses: [{ doseEventId: doseId, province: A }] });
      expect(
        JSON.stringify(await a.runtime.store.readStream(`aefi-${B}-${reportId}`), (_k, v: unknown) => (typeof v === 'bigint' ? 0 : v)),
      ).not.toContain('13912345678');
      await expect(a.runtime.vault.readAefiNarrative(PERSON_ID, reportId)).resolves.toBeNull();
      await expect(b.runtime.vault.readAefiNarrative(PERSON_ID, reportId)).resolves.toMatchObject({ narrative: '入院观察' });

      // A's county CDC takes the card on its own node; B sees the clock stopped.
      const ack = await a.http.post(`/v1/aefi/${reportId}/acknowledgement`).set(cdcA).send({});
      expect(ack.status).toBe(201);
      expect(ack.body.streamId).toBe(`aefi-${A}-${reportId}`);
      await until(
        'the acknowledgement in B',
        async () => (await b.runtime.readModels.aefi.report(reportId))?.acknowledgedAt != null,
        10_000,
      );
      expect((await b.runtime.readModels.aefi.report(reportId))?.acknowledgedBy).toBe(COUNTY_CDC_A);
      // B's CDC (the reporter's province) may read the report but not take A's card.
      const notB = await b.http
        .post(`/v1/aefi/${reportId}/acknowledgement`)
        .set(actor('cdc', CDC_B, B))
        .send({});
      expect(notB.status).toBe(403);
    });
  });

scenario('peer');
scenario('hub');
