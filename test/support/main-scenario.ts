import { type ApiHarness, AS, ORGS } from './api-harness';

/**
 * The steps of the main scenario of one node over HTTP — organisations → product → serialised
 * lot → release → maker → CDC → clinic with logged receipts → a dose → a recall — written once
 * for every suite that walks it on another configuration (PostgreSQL, PGlite, the KurrentDB
 * adapter). Each step checks that the node accepted it and hands back the answers, so a suite
 * adds only what it asserts about its own configuration.
 */

export const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();

export const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237', name: '张三', birthDate: '1990-03-07', sex: 'M' };
export const PERSON_B = { idType: 'RESIDENT_ID', idNumber: '440305202101154566', name: '李四', birthDate: '2021-01-15', sex: 'F' };

/** A product and one serialised lot of three units, as a suite names them. */
export interface MainLot {
  readonly product: string;
  readonly lot: string;
  /** Three 20-digit trace codes of the product. */
  readonly codes: readonly [string, string, string];
  readonly approvalNo: string;
  readonly certificateNo: string;
  /** Delivery-note numbers of the two shipments (maker → CDC, CDC → clinic). */
  readonly deliveryNotes: readonly [string, string];
  readonly temperatureLog: { readonly deviceId: string; readonly readings: readonly { at: string; celsius: number }[] };
}

export const batchIdOf = (lot: MainLot): string => `${lot.product}-${lot.lot}`;

type Answer = Awaited<ReturnType<ReturnType<ApiHarness['http']['post']>['send']>>;

const created = (answer: Answer, what: string): Answer => {
  if (answer.status !== 201) throw new Error(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer;
};

/** The maker, Sichuan CDC and a Guangdong clinic under it, registered by the national regulator. */
export const registerOrganisations = async (api: ApiHarness): Promise<{ orgCode: string; answer: Answer }[]> => {
  const orgs = [
    { orgCode: ORGS.maker, name: 'Jiangsu Vaccines Co.', kind: 'manufacturer', provinceCode: '320000' },
    { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' },
    { orgCode: ORGS.clinic, name: 'Futian community clinic', kind: 'clinic', provinceCode: '440000', parentOrgCode: ORGS.cdc },
  ];
  const out: { orgCode: string; answer: Answer }[] = [];
  for (const org of orgs)
    out.push({ orgCode: org.orgCode, answer: created(await api.http.post('/v1/organisations').set(AS.regulator).send(org), org.orgCode) });
  return out;
};

/** The HepB product and its lot of three coded units, produced (not yet released). */
export const registerLot = async (api: ApiHarness, lot: MainLot): Promise<Answer> => {
  created(
    await api.http
      .post('/v1/products')
      .set(AS.maker)
      .send({
        productCode: lot.product,
        name: 'Hepatitis B vaccine (recombinant) 10 µg',
        vaccineType: 'HepB',
        approvalNo: lot.approvalNo,
        mahOrgCode: ORGS.maker,
        dosesPerUnit: 1,
        storageC: { min: 2, max: 8 },
        shelfLifeMonths: 24,
        programme: 'NIP',
        serialised: true,
      }),
    'the product',
  );
  return created(
    await api.http.post('/v1/batches').set(AS.maker).send({
      productCode: lot.product,
      lotNumber: lot.lot,
      producedOn: '2026-11-01',
      expiresOn: '2028-10-31',
      quantity: 3,
      traceCodes: lot.codes,
    }),
    'the batch',
  );
};

export const releaseLot = async (api: ApiHarness, lot: MainLot): Promise<Answer> =>
  created(
    await api.http
      .post(`/v1/batches/${batchIdOf(lot)}/release`)
      .set(AS.regulator)
      .send({ certificateNo: lot.certificateNo, decidedOn: '2026-11-05' }),
    'the release',
  );

/** All three units to the CDC, two of them on to the clinic, each received with its temperature log. */
export const shipToClinic = async (api: ApiHarness, lot: MainLot): Promise<void> => {
  const batchId = batchIdOf(lot);
  const legs = [
    { from: AS.maker, to: ORGS.cdc, at: AS.cdc, codes: [...lot.codes], note: lot.deliveryNotes[0], sent: 200, received: 150 },
    { from: AS.cdc, to: ORGS.clinic, at: AS.clinic, codes: lot.codes.slice(0, 2), note: lot.deliveryNotes[1], sent: 120, received: 100 },
  ];
  for (const leg of legs) {
    const dispatched = created(
      await api.http
        .post('/v1/shipments')
        .set(leg.from)
        .send({
          toSite: leg.to,
          dispatchedAt: minutesAgo(leg.sent),
          deliveryNoteNo: leg.note,
          lines: [{ batchId, quantity: leg.codes.length, traceCodes: leg.codes }],
        }),
      `the dispatch ${leg.note}`,
    );
    created(
      await api.http
        .post(`/v1/shipments/${dispatched.body.id}/receipt`)
        .set(leg.at)
        .send({
          receivedAt: minutesAgo(leg.received),
          lines: [{ batchId, accepted: leg.codes.length, rejected: 0, traceCodes: leg.codes }],
          verification: { result: 'accepted', releaseCertificateChecked: true },
          temperatureLog: lot.temperatureLog,
        }),
      `the receipt of ${leg.note}`,
    );
  }
};

/** A first HepB dose at the clinic from one of the lot's units; the answer as the node gave it. */
export const recordDose = (api: ApiHarness, lot: MainLot, person: typeof PERSON, unit: number, minutes = 10) =>
  api.http
    .post('/v1/doses')
    .set(AS.clinic)
    .send({
      person,
      batchId: batchIdOf(lot),
      traceCode: lot.codes[unit],
      doseNumber: 1,
      administeredAt: minutesAgo(minutes),
      route: 'IM',
      vaccinatorRef: 'V-0042',
    });

/** The maker's voluntary level-1 recall of the lot, in force a minute ago. */
export const recallLot = async (api: ApiHarness, lot: MainLot): Promise<Answer> =>
  created(
    await api.http
      .post('/v1/recalls')
      .set(AS.maker)
      .send({
        batchIds: [batchIdOf(lot)],
        kind: 'recall',
        level: 1,
        initiation: 'voluntary',
        reasonCode: 'quality_defect',
        reasonText: 'potency below specification',
        effectiveAt: minutesAgo(1),
        actions: ['stop_use', 'return'],
        personFollowUp: 'notify',
      }),
    'the recall',
  );
