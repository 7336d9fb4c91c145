import { AS, ORGS, type ApiHarness } from './api-harness';

/**
 * The supply chain most API tests start from, through the HTTP API as its users would build
 * it: the national regulator registers a manufacturer, a provincial CDC and a clinic under
 * it; the manufacturer registers a HepB product and produces a lot; the regulator releases
 * it; it travels manufacturer → CDC → clinic with accepted receipts. Leaves `atClinic` units
 * usable at the clinic (ORGS.clinic, acting as AS.clinic).
 */
export interface StockOptions {
  /** Lot number (unique per test file keeps failures readable). */
  readonly lot: string;
  /** Units produced and shipped to the CDC (default 10). */
  readonly quantity?: number;
  /** Units passed on to the clinic (default: all of them). */
  readonly atClinic?: number;
}

export const HEPB_PRODUCT = '8696321';
const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();

export const stockClinic = async (api: ApiHarness, options: StockOptions): Promise<{ batchId: string }> => {
  const quantity = options.quantity ?? 10;
  const atClinic = options.atClinic ?? quantity;
  const batchId = `${HEPB_PRODUCT}-${options.lot}`;
  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  await post('/v1/organisations', AS.regulator, { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
  await post('/v1/organisations', AS.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' });
  await post('/v1/organisations', AS.regulator, {
    orgCode: ORGS.clinic,
    name: 'Clinic',
    kind: 'clinic',
    provinceCode: '440000',
    parentOrgCode: ORGS.cdc,
  });
  await post('/v1/products', AS.maker, {
    productCode: HEPB_PRODUCT,
    name: 'HepB',
    vaccineType: 'HepB',
    approvalNo: 'S1',
    mahOrgCode: ORGS.maker,
    dosesPerUnit: 1,
    storageC: { min: 2, max: 8 },
    shelfLifeMonths: 24,
    programme: 'NIP',
    serialised: false,
  });
  await post('/v1/batches', AS.maker, {
    productCode: HEPB_PRODUCT,
    lotNumber: options.lot,
    producedOn: '2026-09-01',
    expiresOn: '2028-08-31',
    quantity,
  });
  await post(`/v1/batches/${batchId}/release`, AS.regulator, { certificateNo: `C-${options.lot}`, decidedOn: '2026-09-05' });
  const receipt = {
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'TL-1', readings: [{ at: daysAgo(46), celsius: 5 }] },
  };
  const toCdc = await post('/v1/shipments', AS.maker, {
    toSite: ORGS.cdc,
    dispatchedAt: daysAgo(50),
    deliveryNoteNo: `DN-${options.lot}-1`,
    lines: [{ batchId, quantity }],
  });
  await post(`/v1/shipments/${String(toCdc.id)}/receipt`, AS.cdc, {
    ...receipt,
    receivedAt: daysAgo(46),
    lines: [{ batchId, accepted: quantity, rejected: 0 }],
  });
  const toClinic = await post('/v1/shipments', AS.cdc, {
    toSite: ORGS.clinic,
    dispatchedAt: daysAgo(45),
    deliveryNoteNo: `DN-${options.lot}-2`,
    lines: [{ batchId, quantity: atClinic }],
  });
  await post(`/v1/shipments/${String(toClinic.id)}/receipt`, AS.clinic, {
    ...receipt,
    receivedAt: daysAgo(44),
    lines: [{ batchId, accepted: atClinic, rejected: 0 }],
  });
  await api.settle();
  return { batchId };
};
