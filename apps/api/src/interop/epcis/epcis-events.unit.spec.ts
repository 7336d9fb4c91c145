import { offsetOf, queryDocumentOf, type SupplyEvent, toEpcisEvent } from './epcis-events';

const event = (over: Partial<SupplyEvent>): SupplyEvent => ({
  eventId: '7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11',
  type: 'ShipmentDispatched',
  action: 'OBSERVE',
  bizStep: 'shipping',
  disposition: 'in_transit',
  eventTimeText: '2026-11-10T09:00:00+08:00',
  recordedAt: new Date('2026-11-10T01:00:05Z'),
  site: '91320000MA1X0Y2W3E',
  data: {},
  voidedAt: null,
  voidReason: null,
  ...over,
});

describe('our facts as EPCIS ObjectEvents', () => {
  it('give a shipment its units, its unserialised lines as lot quantities, parties and documents', () => {
    const e = toEpcisEvent(
      event({
        data: {
          fromSite: '91320000MA1X0Y2W3E',
          toSite: '12510000MB0A1234XJ',
          deliveryNoteNo: 'DN-1',
          orderNo: 'PO-9',
          carrierOrgCode: '91350100M000100Y43',
          lines: [
            { batchId: '8696321-A1', quantity: 2, traceCodes: ['86963210000000000017', '86963210000000000024'] },
            { batchId: '8696321-B2', quantity: 5 },
          ],
        },
      }),
    );
    expect(e).toMatchObject({
      type: 'ObjectEvent',
      eventID: 'urn:uuid:7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11',
      eventTimeZoneOffset: '+08:00',
      epcList: ['https://id.vaxledger.example/nmpa/tc/86963210000000000017', 'https://id.vaxledger.example/nmpa/tc/86963210000000000024'],
      quantityList: [{ epcClass: 'https://id.vaxledger.example/nmpa/product/8696321/lot/B2', quantity: 5 }],
      bizLocation: { id: 'https://id.vaxledger.example/site/91320000MA1X0Y2W3E' },
      bizTransactionList: [{ type: 'desadv' }, { type: 'po' }],
    });
    expect(e.destinationList).toContainEqual({
      type: 'possessing_party',
      destination: 'https://id.vaxledger.example/site/91350100M000100Y43',
    });
  });

  it('report receipt temperatures as sensor readings in CEL', () => {
    const e = toEpcisEvent(
      event({
        type: 'ShipmentReceived',
        bizStep: 'receiving',
        data: {
          fromSite: '91320000MA1X0Y2W3E',
          lines: [{ batchId: '8696321-A1', accepted: 3 }],
          temperatureLog: { deviceId: 'TL 88', readings: [{ at: '2026-11-11T12:00:00+08:00', celsius: 4.8 }] },
        },
      }),
    );
    expect(e.sensorElementList).toEqual([
      {
        sensorMetadata: { deviceID: 'https://id.vaxledger.example/device/TL%2088' },
        sensorReport: [{ type: 'Temperature', value: 4.8, uom: 'CEL', time: '2026-11-11T12:00:00+08:00' }],
      },
    ]);
    expect(e.quantityList).toEqual([{ epcClass: 'https://id.vaxledger.example/nmpa/product/8696321/lot/A1', quantity: 3 }]);
  });

  it('give a receipt the delivery note of the dispatch it received, as the shipping event names it', () => {
    const receipt = (deliveryNoteNo: string | null) =>
      toEpcisEvent(
        event({
          type: 'ShipmentReceived',
          bizStep: 'receiving',
          site: '12510000MB0A1234XJ',
          data: { shipmentId: 's-1', fromSite: '91320000MA1X0Y2W3E', lines: [{ batchId: '8696321-A1', accepted: 3 }] },
          deliveryNoteNo,
        }),
      );
    expect(receipt('DN-1').bizTransactionList).toEqual([
      { type: 'desadv', bizTransaction: 'https://id.vaxledger.example/desadv/91320000MA1X0Y2W3E/DN-1' },
    ]);
    expect(receipt('DN-1')['vx:shipmentId']).toBe('s-1');
    // The dispatch is not on this node (yet): no delivery note to name.
    expect(receipt(null)).not.toHaveProperty('bizTransactionList');
  });

  it('serve a captured fact with the partner’s eventID, and our own id beside it', () => {
    const captured = toEpcisEvent(event({ epcisEventId: 'urn:uuid:6b1e3c10-0000-4000-8000-0000000000aa' }));
    expect(captured).toMatchObject({
      eventID: 'urn:uuid:6b1e3c10-0000-4000-8000-0000000000aa',
      'vx:ledgerEventID': 'urn:uuid:7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11',
    });
    const ours = toEpcisEvent(event({ epcisEventId: null }));
    expect(ours.eventID).toBe('urn:uuid:7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11');
    expect(ours).not.toHaveProperty('vx:ledgerEventID');
  });

  it('set and unset the recalled persistent disposition on the lot class', () => {
    const recall = toEpcisEvent(
      event({ type: 'BatchRecalled', bizStep: 'holding', disposition: 'recalled', data: { batchIds: ['8696321-A1'], kind: 'recall' } }),
    );
    expect(recall).toMatchObject({
      persistentDisposition: { set: ['recalled'] },
      quantityList: [{ epcClass: expect.stringContaining('/lot/A1') }],
    });
    const lift = toEpcisEvent(event({ type: 'RecallLifted', bizStep: 'holding', disposition: null, data: { batchIds: ['8696321-A1'] } }));
    expect(lift).toMatchObject({ persistentDisposition: { unset: ['recalled'] } });
    expect(lift).not.toHaveProperty('disposition');
  });

  it('declare a voided dose an error, as did_not_occur or incorrect_data', () => {
    const dose = (reason: string) =>
      toEpcisEvent(
        event({
          type: 'DoseAdministered',
          bizStep: 'dispensing',
          disposition: 'dispensed',
          data: { batchId: '8696321-A1', traceCode: null },
          voidedAt: new Date('2026-11-12T00:00:00Z'),
          voidReason: reason,
        }),
      );
    expect(dose('did_not_occur').errorDeclaration).toEqual({ declarationTime: '2026-11-12T00:00:00.000Z', reason: 'did_not_occur' });
    expect(dose('wrong_person').errorDeclaration).toMatchObject({ reason: 'incorrect_data' });
    expect(dose('other')).toMatchObject({ epcList: [], quantityList: [{ quantity: 1 }] });
  });

  it('read the time zone from the stated time', () => {
    expect(offsetOf('2026-11-10T09:00:00+08:00')).toBe('+08:00');
    expect(offsetOf('2026-11-10T01:00:00.000Z')).toBe('+00:00');
  });

  it('wrap events in a query document', () => {
    expect(queryDocumentOf([], '2026-12-06T00:00:00Z')).toMatchObject({
      type: 'EPCISQueryDocument',
      schemaVersion: '2.0',
      epcisBody: { queryResults: { queryName: 'SimpleEventQuery', resultsBody: { eventList: [] } } },
    });
  });
});
