import { type CaptureLookups, translateEvent } from './capture-translation';

const MAKER = '91320000MA1X0Y2W3E';
const CDC = '12510000MB0A1234XJ';
const tc = (code: string): string => `https://id.vaxledger.example/nmpa/tc/${code}`;
const site = (org: string): string => `https://id.vaxledger.example/site/${org}`;
const CODES = ['86963210000000000017', '86963210000000000024'];

const lookups: CaptureLookups = {
  batchOfTraceCode: async (code) => (CODES.includes(code) ? '8696321-202611A017' : null),
  dosesPerUnit: async (productCode) => (productCode === '8696321' ? 1 : null),
  shipmentOf: async (from, to, note) => (from === MAKER && to === CDC && note === 'DN-1' ? 'ship-1' : null),
};

describe('capturing EPCIS events as our commands', () => {
  it('turns commissioning with trace codes into RegisterBatch, the product from the codes and dates from ILMD', async () => {
    const result = await translateEvent(
      {
        type: 'ObjectEvent',
        action: 'ADD',
        bizStep: 'commissioning',
        eventTime: '2026-11-01T09:00:00+08:00',
        epcList: CODES.map(tc),
        ilmd: { 'cbvmda:lotNumber': '202611A017', 'cbvmda:itemExpirationDate': '2028-10-31' },
      },
      MAKER,
      lookups,
    );
    expect(result).toEqual({
      command: {
        useCase: 'registerBatch',
        body: {
          productCode: '8696321',
          lotNumber: '202611A017',
          producedOn: '2026-11-01',
          expiresOn: '2028-10-31',
          quantity: 2,
          traceCodes: CODES,
        },
      },
    });
  });

  it('turns shipping into a dispatch to the destination owner, with the delivery note and carrier', async () => {
    const result = await translateEvent(
      {
        type: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'urn:epcglobal:cbv:bizstep:shipping',
        eventTime: '2026-11-10T09:00:00+08:00',
        epcList: CODES.map(tc),
        bizTransactionList: [{ type: 'desadv', bizTransaction: `https://id.vaxledger.example/desadv/${MAKER}/DN-1` }],
        destinationList: [
          { type: 'owning_party', destination: site(CDC) },
          { type: 'possessing_party', destination: site('91350100M000100Y43') },
        ],
      },
      MAKER,
      lookups,
    );
    expect(result).toEqual({
      command: {
        useCase: 'dispatch',
        body: {
          toSite: CDC,
          dispatchedAt: '2026-11-10T09:00:00+08:00',
          deliveryNoteNo: 'DN-1',
          carrierOrgCode: '91350100M000100Y43',
          lines: [{ batchId: '8696321-202611A017', quantity: 2, traceCodes: CODES }],
        },
      },
    });
  });

  it('finds the dispatch a receipt answers by its delivery note, and reads temperatures from sensor reports', async () => {
    const result = await translateEvent(
      {
        type: 'ObjectEvent',
        action: 'OBSERVE',
        bizStep: 'receiving',
        disposition: 'sellable_not_accessible',
        eventTime: '2026-11-11T15:30:00+08:00',
        quantityList: [{ epcClass: 'https://id.vaxledger.example/nmpa/product/8696321/lot/202611A017', quantity: 2 }],
        bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0614141073467:DN-1' }],
        sourceList: [{ type: 'owning_party', source: site(MAKER) }],
        sensorElementList: [
          {
            sensorMetadata: { deviceID: 'https://id.vaxledger.example/device/TL-88' },
            sensorReport: [{ type: 'Temperature', value: 4.8, uom: 'CEL', time: '2026-11-11T12:00:00+08:00' }],
          },
        ],
      },
      CDC,
      lookups,
    );
    expect(result).toMatchObject({
      command: {
        useCase: 'receive',
        shipmentId: 'ship-1',
        body: {
          lines: [{ batchId: '8696321-202611A017', accepted: 2, rejected: 0 }],
          verification: { result: 'accepted' },
          temperatureLog: { deviceId: 'TL-88', readings: [{ at: '2026-11-11T12:00:00+08:00', celsius: 4.8 }] },
        },
      },
    });
  });

  it('refuses, with a reason, what it cannot place', async () => {
    const refusal = async (event: object): Promise<string> => {
      const r = await translateEvent(event, MAKER, lookups);
      return 'refusal' in r ? r.refusal.code : 'accepted';
    };
    const base = { type: 'ObjectEvent', action: 'OBSERVE', eventTime: '2026-11-10T09:00:00+08:00' };
    expect(await refusal({ ...base, bizStep: 'shipping', epcList: [tc('86963210000000000099')] })).toBe('UNKNOWN_TRACE_CODE');
    expect(await refusal({ ...base, bizStep: 'shipping', epcList: ['urn:epc:id:sgln:0614141.07346.1234'] })).toBe(
      'EPCIS_UNSUPPORTED_IDENTIFIER',
    );
    expect(await refusal({ ...base, bizStep: 'shipping', epcList: CODES.map(tc) })).toBe('EPCIS_MISSING_FIELD');
    expect(await refusal({ ...base, bizStep: 'inspecting', epcList: [] })).toBe('EPCIS_UNSUPPORTED_EVENT');
    expect(await refusal({ ...base, type: 'AggregationEvent', bizStep: 'packing' })).toBe('EPCIS_UNSUPPORTED_EVENT');
    expect(await refusal({ ...base, bizStep: 'destroying', action: 'DELETE', epcList: CODES.map(tc) })).toBe('EPCIS_MISSING_FIELD');
  });
});
