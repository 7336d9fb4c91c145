import { bareCbv, DEFAULT_PER_PAGE, eventIdMatch, normalEventId, pageToken, parseEventQuery } from './epcis-query';

const criteria = (query: Record<string, string>): unknown => {
  const parsed = parseEventQuery(query);
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors));
  return parsed.criteria;
};
const errors = (query: Record<string, string>): unknown => {
  const parsed = parseEventQuery(query);
  return 'errors' in parsed ? parsed.errors : [];
};

describe('EPCIS query parameters', () => {
  it('default to the first page of 100', () => {
    expect(criteria({})).toEqual({ perPage: DEFAULT_PER_PAGE, after: 0n });
  });

  it('accept bare, URN and web vocabulary forms, and | for alternatives', () => {
    expect(bareCbv('urn:epcglobal:cbv:bizstep:shipping', 'bizstep')).toBe('shipping');
    expect(bareCbv('https://ref.gs1.org/cbv/Disp-in_transit', 'disp')).toBe('in_transit');
    expect(criteria({ EQ_bizStep: 'shipping|https://ref.gs1.org/cbv/BizStep-receiving' })).toMatchObject({
      bizSteps: ['shipping', 'receiving'],
    });
  });

  it('turn identifiers into trace codes, batches, products and sites', () => {
    expect(
      criteria({
        MATCH_epc: 'https://id.vaxledger.example/nmpa/tc/86963210000000000017',
        MATCH_epcClass: 'https://id.vaxledger.example/nmpa/product/8696321/lot/A1|https://id.vaxledger.example/nmpa/product/8696322',
        EQ_bizLocation: 'https://id.vaxledger.example/site/12440300MB1B2345QN',
        EQ_eventID: 'urn:uuid:7F1C2A52-3C55-4A43-9D2C-0F1B8A7E5D11',
      }),
    ).toMatchObject({
      epcs: ['86963210000000000017'],
      batchIds: ['8696321-A1'],
      productCodes: ['8696322'],
      sites: ['12440300MB1B2345QN'],
      eventIds: ['7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11'],
      epcisEventIds: ['urn:uuid:7f1c2a52-3c55-4a43-9d2c-0f1b8a7e5d11'],
    });
  });

  it('read delivery notes and orders by the document URIs the answers serve, and refuse other schemes', () => {
    expect(
      criteria({
        EQ_bizTransaction_desadv:
          'https://id.vaxledger.example/desadv/91320000MA1X0Y2W3E/DN-1|https://id.vaxledger.example/desadv/91320000MA1X0Y2W3E/DN%2F2',
        EQ_bizTransaction_po: 'https://id.vaxledger.example/po/12510000MB0A1234XJ/PO-9',
      }),
    ).toMatchObject({
      desadvs: [
        { owner: '91320000MA1X0Y2W3E', number: 'DN-1' },
        { owner: '91320000MA1X0Y2W3E', number: 'DN/2' },
      ],
      orders: [{ owner: '12510000MB0A1234XJ', number: 'PO-9' }],
    });
    expect(
      errors({
        EQ_bizTransaction_desadv: 'urn:epcglobal:cbv:bt:0614141073467:1152',
        EQ_bizTransaction_po: 'https://id.vaxledger.example/desadv/a/b',
      }),
    ).toEqual([
      {
        field: 'EQ_bizTransaction_desadv',
        reason:
          'urn:epcglobal:cbv:bt:0614141073467:1152: not a desadv URI of this repository (https://id.vaxledger.example/desadv/{site}/{number})',
      },
      {
        field: 'EQ_bizTransaction_po',
        reason:
          'https://id.vaxledger.example/desadv/a/b: not a po URI of this repository (https://id.vaxledger.example/po/{site}/{number})',
      },
    ]);
  });

  it('read times with offsets and round-trip page tokens', () => {
    expect(criteria({ GE_eventTime: '2026-11-10T09:00:00+08:00', nextPageToken: pageToken(42n), perPage: '5' })).toMatchObject({
      from: new Date('2026-11-10T01:00:00Z'),
      after: 42n,
      perPage: 5,
    });
  });

  it('refuse unknown parameters, empty values, bad times, tokens and page sizes, each with its field', () => {
    expect(errors({ EQ_readPoint: 'x', EQ_bizStep: '', LT_eventTime: '2026-11-10', perPage: '1001', nextPageToken: 'zz' })).toEqual(
      expect.arrayContaining([
        { field: 'EQ_readPoint', reason: 'unknown or unsupported query parameter' },
        { field: 'EQ_bizStep', reason: 'empty value' },
        { field: 'LT_eventTime', reason: 'one RFC 3339 date-time with an offset' },
        { field: 'perPage', reason: 'an integer from 1 to 1000' },
        { field: 'nextPageToken', reason: 'not a token this repository issued' },
      ]),
    );
  });

  it('refuse nested values rather than fail on them', () => {
    expect(parseEventQuery({ EQ_bizStep: { a: 'b' } })).toEqual({ errors: [{ field: 'EQ_bizStep', reason: 'not a plain value' }] });
  });

  it('look a CBV hash id or any other URI up among the eventIDs partners captured events with, and refuse what is not a URI', () => {
    expect(criteria({ EQ_eventID: 'ni:///sha-256;df7b?ver=CBV2.0|https://partner.example/e/1' })).toMatchObject({
      eventIds: [],
      epcisEventIds: ['ni:///sha-256;df7b?ver=CBV2.0', 'https://partner.example/e/1'],
    });
    expect(errors({ EQ_eventID: 'not an id' })).toEqual([
      { field: 'EQ_eventID', reason: "not an id: not an eventID (a URI: urn:uuid:…, or the partner's own)" },
    ]);
  });

  it('keep an eventID as one form: a urn:uuid in lower case, any other URI as written', () => {
    expect(normalEventId('urn:uuid:6B1E3C10-0000-4000-8000-0000000000AA')).toBe('urn:uuid:6b1e3c10-0000-4000-8000-0000000000aa');
    expect(normalEventId('urn:uuid:00000000-0000-4000-8000-00000000CAP1')).toBe('urn:uuid:00000000-0000-4000-8000-00000000CAP1');
    expect(normalEventId('https://partner.example/E/1')).toBe('https://partner.example/E/1');
    expect(normalEventId('e-1')).toBeNull();
    expect(normalEventId(`urn:x:${'a'.repeat(3000)}`)).toBeNull();
    expect(eventIdMatch('urn:uuid:6B1E3C10-0000-4000-8000-0000000000AA')).toEqual({
      ledgerId: '6b1e3c10-0000-4000-8000-0000000000aa',
      epcisEventId: 'urn:uuid:6b1e3c10-0000-4000-8000-0000000000aa',
    });
  });
});
