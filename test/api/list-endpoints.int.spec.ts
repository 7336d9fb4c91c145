import { usccCheckChar } from '@vaxledger/domain';
import { actor, AS, ORGS, startApi, type ApiHarness } from '../support/api-harness';

// The paged lists (GET /v1/shipments, /batches, /recalls, /organisations, /products) over
// the run's real PostgreSQL: paging, sorting, filters, bad queries, and visibility (the same
// rules as the detail reads).

const org = (first17: string): string => `${first17}${usccCheckChar(first17)}`;
const MORE = {
  clinic2: org('12440300MB1B23460'), // another Guangdong clinic, not supervised by the CDC
  scClinic: org('12510100MB0A12350'), // a Sichuan clinic under the Sichuan CDC
  gdRegulator: org('11440000450712340'),
  scRegulator: org('11510000450712340'),
};
const AS_MORE = {
  clinic2: actor('clinic', MORE.clinic2, '440000'),
  gdRegulator: actor('regulator', MORE.gdRegulator, '440000'),
  scRegulator: actor('regulator', MORE.scRegulator, '510000'),
  hub: actor('hub', ORGS.regulator, '000000'),
};
const PRODUCT = '8696321';
const SHIPPED = `${PRODUCT}-LIST01`;
const KEPT = `${PRODUCT}-LIST02`;
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();
const temperatureLog = { deviceId: 'TL-1', readings: [{ at: minutesAgo(30), celsius: 5 }] };

describe('list endpoints', () => {
  let api: ApiHarness;
  const makerShipments: string[] = [];

  const post = async (path: string, as: Record<string, string>, body: object): Promise<Record<string, unknown>> => {
    const res = await api.http.post(path).set(as).send(body);
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Record<string, unknown>;
  };
  const receive = (id: string, as: Record<string, string>, quantity: number, batchId = SHIPPED) =>
    post(`/v1/shipments/${id}/receipt`, as, {
      receivedAt: minutesAgo(40),
      lines: [{ batchId, accepted: quantity, rejected: 0 }],
      verification: { result: 'accepted', releaseCertificateChecked: true },
      temperatureLog,
    });
  const list = async (path: string, as: Record<string, string>) => {
    const res = await api.http.get(path).set(as);
    expect({ path, status: res.status, body: res.status === 200 ? 'ok' : res.body }).toEqual({ path, status: 200, body: 'ok' });
    return res.body as { items: Record<string, unknown>[]; page: number; pageSize: number; total: number };
  };

  beforeAll(async () => {
    api = await startApi();
    const orgs = [
      { orgCode: ORGS.maker, name: 'Jiangsu Vaccines Co.', kind: 'manufacturer', provinceCode: '320000' },
      { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: '510000' },
      { orgCode: ORGS.clinic, name: 'Futian clinic', kind: 'clinic', provinceCode: '440000', parentOrgCode: ORGS.cdc },
      { orgCode: MORE.scClinic, name: 'Chengdu clinic', kind: 'clinic', provinceCode: '510000', parentOrgCode: ORGS.cdc },
      // Supervised through Chengdu: one level below the CDC's own.
      { orgCode: MORE.clinic2, name: 'Nanshan clinic', kind: 'clinic', provinceCode: '440000', parentOrgCode: MORE.scClinic },
      { orgCode: MORE.gdRegulator, name: 'Guangdong MPA', kind: 'regulator', provinceCode: '440000' },
      { orgCode: MORE.scRegulator, name: 'Sichuan MPA', kind: 'regulator', provinceCode: '510000' },
    ];
    for (const body of orgs) await post('/v1/organisations', AS.regulator, body);
    await post('/v1/products', AS.maker, {
      productCode: PRODUCT,
      name: 'Hepatitis B vaccine (recombinant) 10 µg',
      vaccineType: 'HepB',
      approvalNo: 'S20260001',
      mahOrgCode: ORGS.maker,
      dosesPerUnit: 1,
      storageC: { min: 2, max: 8 },
      shelfLifeMonths: 24,
      programme: 'NIP',
      serialised: false,
    });
    for (const lot of ['LIST01', 'LIST02']) {
      await post('/v1/batches', AS.maker, {
        productCode: PRODUCT,
        lotNumber: lot,
        producedOn: '2026-09-01',
        expiresOn: '2028-08-31',
        quantity: 50,
      });
      await post(`/v1/batches/${PRODUCT}-${lot}/release`, AS.regulator, { certificateNo: `C-${lot}`, decidedOn: '2026-09-05' });
    }
    // Five maker → CDC shipments, an hour apart; the first four received.
    for (let i = 0; i < 5; i++) {
      const sent = await post('/v1/shipments', AS.maker, {
        toSite: ORGS.cdc,
        dispatchedAt: minutesAgo(600 - i * 60),
        deliveryNoteNo: `DN-M-${i}`,
        lines: [{ batchId: SHIPPED, quantity: 4 }],
      });
      makerShipments.push(sent.id as string);
      if (i < 4) await receive(sent.id as string, AS.cdc, 4);
    }
    // CDC → clinic (twice), → clinic2, → Sichuan clinic.
    const targets = [ORGS.clinic, ORGS.clinic, MORE.clinic2, MORE.scClinic];
    for (const [i, toSite] of targets.entries())
      await post('/v1/shipments', AS.cdc, {
        toSite,
        dispatchedAt: minutesAgo(200 - i),
        deliveryNoteNo: `DN-C-${i}`,
        lines: [{ batchId: SHIPPED, quantity: 2 }],
      });
    await post('/v1/recalls', AS.maker, {
      batchIds: [KEPT],
      kind: 'suspension',
      level: 3,
      initiation: 'voluntary',
      reasonCode: 'quality_defect',
      reasonText: 'under investigation',
      effectiveAt: minutesAgo(5),
      actions: ['stop_use'],
      personFollowUp: 'none',
    });
    await api.settle();
  }, 120_000);
  afterAll(async () => {
    await api?.close();
  });

  it('pages shipments: totals, the last page, an empty page past the end, sort order both ways', async () => {
    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const body = await list(`/v1/shipments?direction=out&pageSize=2&page=${page}&sort=dispatchedAt&order=desc`, AS.maker);
      expect(body).toMatchObject({ page, pageSize: 2, total: 5 });
      expect(body.items).toHaveLength(page === 3 ? 1 : 2);
      seen.push(...body.items.map((s) => s.shipmentId as string));
    }
    expect(seen).toEqual([...makerShipments].reverse());
    const past = await list('/v1/shipments?direction=out&pageSize=2&page=4', AS.maker);
    expect(past).toEqual({ items: [], page: 4, pageSize: 2, total: 5 });
    const ascending = await list('/v1/shipments?pageSize=100', AS.maker);
    expect(ascending.items.map((s) => s.shipmentId)).toEqual(makerShipments);
    expect(ascending.pageSize).toBe(100);
    const byNote = await list('/v1/shipments?sort=deliveryNoteNo&order=desc&pageSize=1', AS.maker);
    expect(byNote.items[0]).toMatchObject({ deliveryNoteNo: 'DN-M-4', shipmentId: makerShipments[4] });
    // Part of the note's number, any case; LIKE's wildcards are taken literally.
    const typed = await list('/v1/shipments?deliveryNoteNo=m-3', AS.maker);
    expect(typed.items.map((s) => s.deliveryNoteNo)).toEqual(['DN-M-3']);
    expect((await list('/v1/shipments?deliveryNoteNo=DN-M-_', AS.maker)).total).toBe(0);
  });

  it('answers the contract shape with the default page and size', async () => {
    const body = await list(`/v1/shipments?deliveryNoteNo=DN-M-0`, AS.maker);
    expect(body).toEqual({
      items: [
        {
          shipmentId: makerShipments[0],
          fromSite: ORGS.maker,
          toSite: ORGS.cdc,
          dispatchedAt: expect.any(String),
          receivedAt: expect.any(String),
          status: 'received',
          deliveryNoteNo: 'DN-M-0',
          lines: [{ batchId: SHIPPED, quantity: 4 }],
        },
      ],
      page: 1,
      pageSize: 20,
      total: 1,
    });
  });

  it('filters shipments by status, direction, site and batch', async () => {
    const inTransit = await list('/v1/shipments?status=in_transit&site=91320000MA1X0Y2W3E', AS.maker);
    expect(inTransit.items.map((s) => s.shipmentId)).toEqual([makerShipments[4]]);
    expect(inTransit.items[0]).toMatchObject({ status: 'in_transit', receivedAt: null });
    expect((await list('/v1/shipments?direction=in', AS.cdc)).total).toBe(5);
    expect((await list('/v1/shipments?direction=out', AS.cdc)).total).toBe(4);
    expect((await list(`/v1/shipments?batchId=${SHIPPED}`, AS.cdc)).total).toBe(9);
    expect((await list(`/v1/shipments?batchId=${KEPT}`, AS.cdc)).total).toBe(0);
  });

  it('a clinic never sees another site’s shipments, not even by naming the site', async () => {
    const own = await list('/v1/shipments', AS.clinic);
    expect(own.total).toBe(2);
    expect(own.items.every((s) => s.toSite === ORGS.clinic)).toBe(true);
    expect(await list(`/v1/shipments?site=${MORE.clinic2}`, AS.clinic)).toMatchObject({ items: [], total: 0 });
    expect(await list(`/v1/shipments?deliveryNoteNo=DN-C-2`, AS.clinic)).toMatchObject({ items: [], total: 0 });
    const other = await list('/v1/shipments', AS_MORE.clinic2);
    expect(other.items.map((s) => s.deliveryNoteNo)).toEqual(['DN-C-2']);
  });

  it('a provincial regulator never sees another province’s shipments; the national one sees all', async () => {
    const gd = await list('/v1/shipments?pageSize=100', AS_MORE.gdRegulator);
    expect(gd.items.map((s) => s.deliveryNoteNo).sort()).toEqual(['DN-C-0', 'DN-C-1', 'DN-C-2']);
    expect(gd.total).toBe(3);
    expect(await list(`/v1/shipments?deliveryNoteNo=DN-C-3`, AS_MORE.gdRegulator)).toMatchObject({ total: 0 });
    // Sichuan: every shipment has its CDC at one end.
    expect((await list('/v1/shipments', AS_MORE.scRegulator)).total).toBe(9);
    expect((await list('/v1/shipments', AS.regulator)).total).toBe(9);
    // The supervising CDC sees its own and its clinics' shipments.
    expect((await list('/v1/shipments?site=' + ORGS.clinic, AS.cdc)).total).toBe(2);
  });

  it('lists batches by the batch-trace rules, with filters, search and status', async () => {
    const all = await list('/v1/batches', AS.regulator);
    expect(all.items.map((b) => b.batchId)).toEqual([SHIPPED, KEPT]);
    expect(all.items[0]).toEqual({
      batchId: SHIPPED,
      productCode: PRODUCT,
      lotNumber: 'LIST01',
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: 50,
      status: 'released',
      releasedOn: '2026-09-05',
    });
    expect((await list('/v1/batches?status=suspended', AS.regulator)).items.map((b) => b.batchId)).toEqual([KEPT]);
    expect((await list('/v1/batches?sort=batchId&order=desc&q=list', AS.maker)).items.map((b) => b.batchId)).toEqual([KEPT, SHIPPED]);
    expect((await list('/v1/batches?lotNumber=LIST02', AS.maker)).total).toBe(1);
    // The clinic held only the shipped batch; Guangdong saw only that one; the other maker none.
    expect((await list('/v1/batches', AS.clinic)).items.map((b) => b.batchId)).toEqual([SHIPPED]);
    expect((await list('/v1/batches', AS_MORE.gdRegulator)).items.map((b) => b.batchId)).toEqual([SHIPPED]);
    expect((await list('/v1/batches', AS.otherMaker)).total).toBe(0);
  });

  it('lists recalls to their issuer and to whoever sees a recalled batch', async () => {
    const mine = await list('/v1/recalls', AS.maker);
    expect(mine.items).toEqual([
      expect.objectContaining({ batchIds: [KEPT], kind: 'suspension', level: 3, status: 'active', issuerOrgCode: ORGS.maker }),
    ]);
    expect((await list(`/v1/recalls?batchId=${KEPT}&status=active`, AS.regulator)).total).toBe(1);
    expect((await list('/v1/recalls?status=lifted', AS.regulator)).total).toBe(0);
    expect((await list('/v1/recalls', AS.clinic)).total).toBe(0);
    expect((await list('/v1/recalls', AS_MORE.gdRegulator)).total).toBe(0);
  });

  it('lists organisations and products (master data) with filters and search', async () => {
    const gdClinics = await list('/v1/organisations?kind=clinic&provinceCode=440000', AS.clinic);
    expect(gdClinics.items.map((o) => o.orgCode).sort()).toEqual([ORGS.clinic, MORE.clinic2].sort());
    expect((await list('/v1/organisations?provinceCode=320000', AS.clinic)).items.map((o) => o.orgCode)).toEqual([ORGS.maker]);
    expect((await list('/v1/organisations?q=sichuan&sort=name', AS.clinic)).items.map((o) => o.name)).toEqual([
      'Sichuan CDC',
      'Sichuan MPA',
    ]);
    // The clinics a CDC supervises, in both provinces.
    const supervised = await list(`/v1/organisations?parentOrgCode=${ORGS.cdc}`, AS.cdc);
    expect(supervised.items.map((o) => o.orgCode).sort()).toEqual([ORGS.clinic, MORE.scClinic].sort());
    expect((await api.http.get('/v1/organisations?parentOrgCode=nope').set(AS.cdc)).status).toBe(400);
    // And those below them, as access to a site's stock follows the chain.
    const below = await list(`/v1/organisations?supervisedBy=${ORGS.cdc}&q=clinic`, AS.cdc);
    expect(below.items.map((o) => o.orgCode).sort()).toEqual([ORGS.clinic, MORE.scClinic, MORE.clinic2].sort());
    expect((await list(`/v1/organisations?supervisedBy=${MORE.scClinic}`, AS.cdc)).items.map((o) => o.orgCode)).toEqual([MORE.clinic2]);
    const page2 = await list('/v1/organisations?pageSize=3&page=3', AS.clinic);
    expect(page2).toMatchObject({ total: 7, page: 3 });
    expect(page2.items).toHaveLength(1);
    const products = await list('/v1/products?q=hepatitis&vaccineType=HepB', AS.cdc);
    expect(products.items).toEqual([
      expect.objectContaining({ productCode: PRODUCT, mahOrgCode: ORGS.maker, storageC: { min: 2, max: 8 }, serialised: false }),
    ]);
    expect((await list(`/v1/products?mahOrgCode=${ORGS.otherMaker}`, AS.cdc)).total).toBe(0);
  });

  it('refuses unknown query parameters and bad values with 400 VALIDATION_FAILED', async () => {
    const bad = [
      '/v1/shipments?colour=red',
      '/v1/shipments?page=0',
      '/v1/shipments?page=two',
      // Past any real list, and past what an offset can be (it was a 500: "2e+21" is no bigint).
      '/v1/shipments?page=1000001',
      '/v1/batches?page=99999999999999999999',
      '/v1/shipments?pageSize=101',
      '/v1/shipments?pageSize=0',
      '/v1/shipments?sort=toSite',
      '/v1/shipments?order=up',
      '/v1/shipments?direction=sideways',
      '/v1/shipments?status=lost',
      '/v1/shipments?page=1&page=2',
      '/v1/batches?status=gone',
      '/v1/batches?sort=quantity',
      '/v1/recalls?status=old',
      '/v1/organisations?kind=shop',
      '/v1/organisations?provinceCode=44',
      '/v1/products?mahOrgCode=nope',
      '/v1/products?limit=5',
    ];
    for (const path of bad) {
      const res = await api.http.get(path).set(AS.regulator);
      expect({ path, status: res.status, code: res.body.code, type: res.type }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
        type: 'application/problem+json',
      });
      expect(res.body.errors?.length).toBeGreaterThan(0);
    }
  });

  it('does not list supply-chain data to the hub', async () => {
    for (const path of ['/v1/shipments', '/v1/batches', '/v1/recalls']) {
      const res = await api.http.get(path).set(AS_MORE.hub);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
  });
});
