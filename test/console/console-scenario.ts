import { AS, ORGS, type ApiHarness } from '../support/api-harness';
import { residentId } from './browser';

/**
 * What the console's browser tests start from, built through the HTTP API as its users would:
 * a manufacturer with a serialised HepB product and one that is not serialised, a CDC and a
 * clinic under it. Batch S (coded units) reached the clinic and was given on two earlier days;
 * batch E expired at the clinic, one of its units given 45 days ago (its person's dose 2 has been due for weeks); batch N's only dose at the clinic is used up; batch C is on
 * its way to the CDC under delivery note DN-CDC-IN.
 */
export const SERIALISED = '8696321';
export const PLAIN = '8696338';
export const LOTS = { s: 'CS1', e: 'CE1', n: 'CN1', c: 'CC1' } as const;
export const batchOf = (product: string, lot: string): string => `${product}-${lot}`;
export const codeOf = (lot: number, unit: number): string => `${SERIALISED}${String(lot).padStart(6, '0')}${String(unit).padStart(7, '0')}`;

const DAY = 86_400_000;
const ago = (days: number): string => new Date(Date.now() - days * DAY).toISOString();
const dateAgo = (days: number): string => ago(days).slice(0, 10);

export interface ConsoleScenario {
  readonly s: { batchId: string; codes: string[] };
  readonly e: { batchId: string; codes: string[] };
  readonly n: { batchId: string };
  readonly c: { batchId: string };
  /** Days (China time) with doses of S before the browser adds its own. */
  readonly sDoseDays: number;
  /** ID number of a person whose second HepB dose was due weeks ago (dose 1 from E, 45 days ago). */
  readonly duePerson: string;
  /**
   * Two AEFI reports on doses of S, neither serious: one discovered three days ago and never
   * acknowledged (its 48 hours have passed), one discovered an hour ago. A third report on S
   * (the clinic's, in the browser) raises a signal: the product's other batch, E, had four doses
   * and no report.
   */
  readonly aefi: { overdue: string; fresh: string };
}

export const buildScenario = async (api: ApiHarness): Promise<ConsoleScenario> => {
  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const org = (orgCode: string, name: string, kind: string, provinceCode: string, parentOrgCode?: string) =>
    post('/v1/organisations', AS.regulator, { orgCode, name, kind, provinceCode, ...(parentOrgCode ? { parentOrgCode } : {}) });
  await org(ORGS.maker, '江苏生物制品有限公司', 'manufacturer', '320000');
  await org(ORGS.cdc, '四川省疾病预防控制中心', 'cdc', '510000');
  await org(ORGS.clinic, '深圳市南山区预防接种门诊', 'clinic', '440000', ORGS.cdc);
  const product = (productCode: string, name: string, serialised: boolean) =>
    post('/v1/products', AS.maker, {
      productCode,
      name,
      vaccineType: 'HepB',
      approvalNo: `S2026${productCode.slice(-3)}`,
      mahOrgCode: ORGS.maker,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: 'NIP',
      serialised,
    });
  await product(SERIALISED, '乙型肝炎疫苗（重组）10µg', true);
  await product(PLAIN, '乙型肝炎疫苗（重组）20µg', false);

  const produce = async (productCode: string, lot: string, quantity: number, codes: string[], expiresAgo?: number) => {
    const expiresOn = expiresAgo === undefined ? '2028-10-31' : dateAgo(expiresAgo);
    // A 24-month shelf life: produced two years to the day before it expires.
    const producedOn = expiresAgo === undefined ? '2026-11-01' : `${Number(expiresOn.slice(0, 4)) - 2}${expiresOn.slice(4)}`;
    await post('/v1/batches', AS.maker, {
      productCode,
      lotNumber: lot,
      producedOn,
      expiresOn,
      quantity,
      ...(codes.length ? { traceCodes: codes } : {}),
    });
    const decidedOn = expiresAgo === undefined ? '2026-11-05' : dateAgo(expiresAgo + 600);
    await post(`/v1/batches/${productCode}-${lot}/release`, AS.regulator, { certificateNo: `C-${lot}`, decidedOn });
    return batchOf(productCode, lot);
  };
  const receipt = (at: string, lines: object[]) => ({
    receivedAt: at,
    lines,
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'TL-1', readings: [{ at, celsius: 5 }] },
  });
  const move = async (
    from: Record<string, string>,
    to: { org: string; as: Record<string, string> } | string,
    batchId: string,
    quantity: number,
    codes: string[],
    daysAgo: number,
    note: string,
  ) => {
    const line = { batchId, quantity, ...(codes.length ? { traceCodes: codes } : {}) };
    const toSite = typeof to === 'string' ? to : to.org;
    const shipment = await post('/v1/shipments', from, { toSite, dispatchedAt: ago(daysAgo), deliveryNoteNo: note, lines: [line] });
    if (typeof to !== 'string')
      await post(
        `/v1/shipments/${String(shipment.id)}/receipt`,
        to.as,
        receipt(ago(daysAgo - 1), [{ batchId, accepted: quantity, rejected: 0, ...(codes.length ? { traceCodes: codes } : {}) }]),
      );
  };
  const cdc = { org: ORGS.cdc, as: AS.cdc };
  const clinic = { org: ORGS.clinic, as: AS.clinic };

  const sCodes = Array.from({ length: 7 }, (_, i) => codeOf(1, i + 1));
  const s = await produce(SERIALISED, LOTS.s, 7, sCodes);
  await move(AS.maker, cdc, s, 7, sCodes, 30, 'DN-S-1');
  await move(AS.cdc, clinic, s, 6, sCodes.slice(0, 6), 20, 'DN-S-2');

  // E: the same product as S, given four times before it expired without a report, so that S's
  // reports stand out against it (an AEFI signal needs other batches' doses to compare with).
  const eCodes = Array.from({ length: 6 }, (_, i) => codeOf(2, i + 1));
  const e = await produce(SERIALISED, LOTS.e, 6, eCodes, 10);
  await move(AS.maker, cdc, e, 6, eCodes, 60, 'DN-E-1');
  await move(AS.cdc, clinic, e, 6, eCodes, 50, 'DN-E-2');

  const n = await produce(PLAIN, LOTS.n, 1, []);
  await move(AS.maker, cdc, n, 1, [], 30, 'DN-N-1');
  await move(AS.cdc, clinic, n, 1, [], 20, 'DN-N-2');

  const c = await produce(PLAIN, LOTS.c, 10, []);
  await move(AS.maker, ORGS.cdc, c, 10, [], 2, 'DN-CDC-IN');

  // Earlier doses: S on two days, N's only unit.
  const dose = (birth: string, seq: number, batchId: string, traceCode: string | undefined, daysAgo: number) =>
    post('/v1/doses', AS.clinic, {
      person: {
        idType: 'RESIDENT_ID',
        idNumber: residentId('440305', birth, seq),
        name: '测试',
        birthDate: birth,
        sex: seq % 2 ? 'M' : 'F',
      },
      batchId,
      ...(traceCode ? { traceCode } : {}),
      doseNumber: 1,
      administeredAt: ago(daysAgo),
      route: 'IM',
      vaccinatorRef: 'V-1',
    });
  const lastEvent = (answer: Record<string, unknown>): string => (answer.eventIds as string[]).at(-1)!;
  const sDose1 = lastEvent(await dose('2025-01-01', 11, s, sCodes[4], 5));
  const sDose2 = lastEvent(await dose('2025-01-02', 13, s, sCodes[5], 3));
  await dose('2025-01-03', 15, n, undefined, 3);
  for (let i = 1; i <= 4; i++) await dose('2025-01-05', 15 + 2 * i, e, eCodes[i], 45);
  await api.settle();
  const aefi = async (birth: string, seq: number, doseEventId: string, onsetAgo: number, discoveredAgo: number, signs: string[]) =>
    String(
      (
        await post('/v1/aefi', AS.clinic, {
          person: { idType: 'RESIDENT_ID', idNumber: residentId('440305', birth, seq) },
          doseEventIds: [doseEventId],
          discoveredAt: ago(discoveredAgo),
          onsetAt: ago(onsetAgo),
          signs,
          serious: false,
          cluster: false,
          outcome: 'recovered',
        })
      ).id,
    );
  const overdue = await aefi('2025-01-01', 11, sDose1, 4, 3, ['injection_site_swelling']);
  const fresh = await aefi('2025-01-02', 13, sDose2, 2, 1 / 24, ['fever_37_5']);
  await api.settle();
  return {
    s: { batchId: s, codes: sCodes },
    e: { batchId: e, codes: eCodes },
    n: { batchId: n },
    c: { batchId: c },
    sDoseDays: 2,
    duePerson: residentId('440305', '2025-01-05', 17),
    aefi: { overdue, fresh },
  };
};
