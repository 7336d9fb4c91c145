import { ORGS, type ApiHarness } from '../support/api-harness';
import { captureAndWait, epcisDocument, siteUri } from '../support/epcis-documents';
import { epcisSchemaErrors } from '../support/epcis-schema';
import {
  AS_A,
  AS_B,
  CDC_B,
  daysAgo,
  FEDERATION_PRODUCT,
  type FederationNodes,
  postTo as post,
  startPeers,
} from '../support/federation-scenario';
import { until } from '../support/until';

// A partner's eventID travels with the fact: a shipping event captured in A (Sichuan) answers to
// its partner's eventID in B (Guangdong) once synced, and the receiving event B's CDC captures
// answers to its own in A, each with the delivery note (desadv) on both nodes. The eventID rides
// in the fact's metadata, which sync carries and the leaf hash covers.

const LOT = 'PEIDSYNC';
const BATCH = `${FEDERATION_PRODUCT}-${LOT}`;
const LOT_CLASS = `https://id.vaxledger.example/nmpa/product/${FEDERATION_PRODUCT}/lot/${LOT}`;
const SHIPPING_ID = 'urn:uuid:7c2d4e21-6a5b-4d3c-8e9f-1b2c3d4e5f60';
const RECEIVING_ID = 'https://partner.example/epcis/events/receipt-0001';
const NOTE = 'DN-PEIDSYNC-1';
const DESADV = `https://id.vaxledger.example/desadv/${ORGS.maker}/${NOTE}`;
const SHIPPED_AT = daysAgo(6);
const RECEIVED_AT = daysAgo(5);

type EpcisEvent = Record<string, unknown> & { eventID: string };

describe('EPCIS 2.0: a partner’s eventID across provinces', () => {
  let nodes: FederationNodes;
  let a: ApiHarness;
  let b: ApiHarness;

  /** The events a node answers to an eventID (by path: [] for 404), each checked against GS1's schema. */
  const byPath = async (node: ApiHarness, id: string, as: Record<string, string>): Promise<EpcisEvent[]> => {
    const res = await node.http.get(`/epcis/events/${encodeURIComponent(id)}`).set(as);
    if (res.status === 404) return [];
    expect({ id, status: res.status }).toEqual({ id, status: 200 });
    expect(epcisSchemaErrors(res.body)).toEqual([]);
    return res.body.epcisBody.queryResults.resultsBody.eventList as EpcisEvent[];
  };

  beforeAll(async () => {
    nodes = await startPeers('vxepcisid');
    ({ a, b } = nodes);
    await post(a, '/v1/organisations', AS_A.regulator, {
      orgCode: ORGS.maker,
      name: 'Maker',
      kind: 'manufacturer',
      provinceCode: '320000',
    });
    await post(b, '/v1/organisations', AS_B.regulator, { orgCode: CDC_B, name: 'Guangdong CDC', kind: 'cdc', provinceCode: '440000' });
    await post(a, '/v1/products', AS_A.maker, {
      productCode: FEDERATION_PRODUCT,
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
    await post(a, '/v1/batches', AS_A.maker, {
      productCode: FEDERATION_PRODUCT,
      lotNumber: LOT,
      producedOn: '2026-09-01',
      expiresOn: '2028-08-31',
      quantity: 100,
    });
    await post(a, `/v1/batches/${BATCH}/release`, AS_A.regulator, { certificateNo: 'C-PEIDSYNC', decidedOn: '2026-09-05' });
    await until('B’s CDC known in A', async () => (await a.runtime.readModels.organisation(CDC_B)) !== null);
    await a.settle();
  }, 120_000);
  afterAll(async () => {
    await nodes?.close();
  }, 60_000);

  it('answers the shipping event captured in A by its partner’s eventID in B, and the receipt captured in B in A', async () => {
    const shipped = await captureAndWait(
      a.http,
      AS_A.maker,
      epcisDocument([
        {
          type: 'ObjectEvent',
          eventID: SHIPPING_ID,
          action: 'OBSERVE',
          bizStep: 'shipping',
          disposition: 'in_transit',
          eventTime: SHIPPED_AT,
          eventTimeZoneOffset: '+00:00',
          epcList: [],
          quantityList: [{ epcClass: LOT_CLASS, quantity: 10 }],
          bizTransactionList: [{ type: 'desadv', bizTransaction: DESADV }],
          sourceList: [{ type: 'owning_party', source: siteUri(ORGS.maker) }],
          destinationList: [{ type: 'owning_party', destination: siteUri(CDC_B) }],
        },
      ]),
    );
    expect(shipped).toMatchObject({ success: true, errors: [] });

    await until('the shipping event by its eventID in B', async () => (await byPath(b, SHIPPING_ID, AS_B.cdc)).length === 1, 30_000);
    const [inA] = await byPath(a, SHIPPING_ID, AS_A.regulator);
    const [inB] = await byPath(b, SHIPPING_ID, AS_B.cdc);
    expect(inB).toMatchObject({ eventID: SHIPPING_ID, 'vx:ledgerEventID': inA!['vx:ledgerEventID'], bizStep: 'shipping' });

    // B's CDC receives it, naming the dispatch by sender and delivery note, under its own eventID.
    await until('the dispatch and its release known in B', async () => {
      const batches = await b.runtime.readModels.batches([BATCH]);
      return batches.some((x) => x.releaseState === 'released');
    });
    await b.settle();
    const received = await captureAndWait(
      b.http,
      AS_B.cdc,
      epcisDocument([
        {
          type: 'ObjectEvent',
          eventID: RECEIVING_ID,
          action: 'OBSERVE',
          bizStep: 'receiving',
          disposition: 'sellable_not_accessible',
          eventTime: RECEIVED_AT,
          eventTimeZoneOffset: '+00:00',
          epcList: [],
          quantityList: [{ epcClass: LOT_CLASS, quantity: 10 }],
          bizTransactionList: [{ type: 'desadv', bizTransaction: DESADV }],
          sourceList: [{ type: 'owning_party', source: siteUri(ORGS.maker) }],
          sensorElementList: [{ sensorReport: [{ type: 'Temperature', value: 5, uom: 'CEL', time: RECEIVED_AT }] }],
        },
      ]),
    );
    expect(received).toMatchObject({ success: true, errors: [] });

    await until('the receiving event by its eventID in A', async () => (await byPath(a, RECEIVING_ID, AS_A.maker)).length === 1, 30_000);
    for (const [node, as] of [
      [a, AS_A.maker],
      [b, AS_B.cdc],
    ] as const) {
      const [receipt] = await byPath(node, RECEIVING_ID, as);
      expect(receipt).toMatchObject({
        eventID: RECEIVING_ID,
        bizStep: 'receiving',
        bizTransactionList: [{ type: 'desadv', bizTransaction: DESADV }],
      });
    }
  }, 120_000);
});
