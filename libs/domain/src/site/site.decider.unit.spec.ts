import fc from 'fast-check';
import { deciderSpec, deepFreeze } from '../testing/decider-spec';
import {
  actor,
  BATCH_ID,
  batchFacts,
  CARRIER,
  CITY_CDC,
  CLINIC,
  code,
  MAH,
  NOW,
  org,
  OTHER_CLINIC,
  PROVINCIAL_CDC,
  REGULATOR,
} from '../testing/fixtures';
import type { BatchFacts } from '../batch/batch.facts';
import type { OrgFacts } from '../organisation/organisation.facts';
import type { OrgKind } from '../organisation/organisation.events';
import type { Role } from '../shared/domain-event';
import { foldRecorded, type Recorded } from '../shared/decider';
import { isRuleViolation } from '../shared/rule-violation';
import {
  billTypeFor,
  siteDecider,
  type DestroyUnits,
  type DestroyUnitsData,
  type DispatchShipment,
  type DispatchShipmentContext,
  type DispatchShipmentData,
  type ReceiveShipment,
  type ReceiveShipmentContext,
  type ReceiveShipmentData,
} from './site.decider';
import {
  shipmentDispatched,
  shipmentReceived,
  unitsDestroyed,
  type ReturnBillType,
  type ShipmentReceived,
  type SiteEvent,
} from './site.events';
import type { ShipmentFacts } from './site.facts';
import { stockOf } from './site.state';

const codes = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => code(from + i));
const ROLE_OF: Record<OrgKind, Role> = {
  manufacturer: 'manufacturer',
  cdc: 'cdc',
  clinic: 'clinic',
  regulator: 'regulator',
  distributor: 'hub',
};

// ---------------------------------------------------------------------------------------------
// Command builders

const dispatch = (
  sender: OrgFacts,
  data: Partial<DispatchShipmentData> = {},
  context: Partial<DispatchShipmentContext> = {},
): DispatchShipment => ({
  type: 'DispatchShipment',
  data: {
    shipmentId: 'SH-1',
    toSite: PROVINCIAL_CDC,
    dispatchedAt: '2026-11-20T09:00:00+08:00',
    deliveryNoteNo: 'DN-2026-11-0042',
    lines: [{ batchId: BATCH_ID, quantity: 2, traceCodes: [code(1), code(2)] }],
    ...data,
  },
  context: {
    now: NOW,
    actor: actor(ROLE_OF[sender.kind], sender.orgCode),
    sender,
    receiver: org(data.toSite ?? PROVINCIAL_CDC, 'cdc'),
    batches: { [BATCH_ID]: batchFacts() },
    administeredHere: {},
    usedTraceCodes: [],
    ...context,
  },
});

const LOG = {
  deviceId: 'TL-88',
  readings: [
    { at: '2026-11-19T12:00:00+08:00', celsius: 4.8 },
    { at: '2026-11-19T18:00:00+08:00', celsius: 5.6 },
  ],
};
const ACCEPTED = { result: 'accepted', releaseCertificateChecked: true } as const;

const shipmentFromMah: ShipmentFacts = {
  shipmentId: 'SH-1',
  fromSite: MAH,
  toSite: PROVINCIAL_CDC,
  billType: '201',
  lines: [{ batchId: BATCH_ID, quantity: 10, traceCodes: codes(1, 10) }],
};

const receive = (
  data: Partial<ReceiveShipmentData> = {},
  context: Partial<ReceiveShipmentContext> = {},
  site = PROVINCIAL_CDC,
): ReceiveShipment => ({
  type: 'ReceiveShipment',
  data: {
    shipmentId: 'SH-1',
    receivedAt: '2026-11-20T10:00:00+08:00',
    lines: [{ batchId: BATCH_ID, accepted: 10, rejected: 0 }],
    verification: ACCEPTED,
    temperatureLog: LOG,
    ...data,
  },
  context: { now: NOW, actor: actor('cdc', site), dispatch: shipmentFromMah, batches: { [BATCH_ID]: batchFacts() }, ...context },
});

const destruction: DestroyUnitsData = {
  destroyedAt: '2026-11-20T11:00:00+08:00',
  lines: [{ batchId: BATCH_ID, quantity: 2, traceCodes: [code(3), code(4)] }],
  reasonCode: 'damaged',
  executorRef: 'S-0007',
  supervisorRef: 'S-0101',
  supervisorOrgCode: REGULATOR,
};

const destroy = (
  data: Partial<DestroyUnitsData> = {},
  context: Partial<DestroyUnits['context']> = {},
  site = PROVINCIAL_CDC,
): DestroyUnits => ({
  type: 'DestroyUnits',
  data: { ...destruction, ...data },
  context: { now: NOW, actor: actor('cdc', site), batches: { [BATCH_ID]: batchFacts() }, administeredHere: {}, ...context },
});

// ---------------------------------------------------------------------------------------------
// Given events

const receivedTen: ShipmentReceived = shipmentReceived({
  shipmentId: 'SH-1',
  fromSite: MAH,
  receivedAt: '2026-11-20T10:00:00+08:00',
  lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 10, rejected: 0, traceCodes: codes(1, 10) }],
  verification: ACCEPTED,
  temperatureLog: { ...LOG, min: 4.8, max: 5.6 },
  quarantined: false,
});

const given = deciderSpec(siteDecider);

/** The receipt is recorded (not refused) as rejected: nothing taken into stock. */
const expectRejectedReceipt = (command: ReceiveShipment, reasonCode: string): void => {
  const [event] = siteDecider.decide(command, siteDecider.initialState());
  expect(
    event?.type === 'ShipmentReceived' && {
      result: event.data.verification.result,
      reasonCode: event.data.verification.reasonCode,
      lines: event.data.lines,
    },
  ).toEqual({ result: 'rejected', reasonCode, lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 0, rejected: 10 }] });
};
const MAH_SITE = org(MAH, 'manufacturer');
const PROVINCE_SITE = org(PROVINCIAL_CDC, 'cdc');
const CLINIC_SITE = org(CLINIC, 'clinic');

// ---------------------------------------------------------------------------------------------

describe('bill types by role', () => {
  it.each<[OrgKind, OrgKind, ReturnBillType | undefined, string | null]>([
    ['manufacturer', 'cdc', undefined, '201'],
    ['manufacturer', 'clinic', undefined, null],
    ['manufacturer', 'manufacturer', undefined, null],
    ['manufacturer', 'cdc', '202', null],
    ['cdc', 'clinic', undefined, '209'],
    ['cdc', 'clinic', '202', null],
    ['cdc', 'cdc', undefined, '203'],
    ['cdc', 'cdc', '202', '202'],
    ['cdc', 'cdc', '211', '211'],
    ['cdc', 'manufacturer', undefined, '202'],
    ['cdc', 'manufacturer', '211', '211'],
    ['cdc', 'distributor', undefined, null],
    ['cdc', 'regulator', undefined, null],
    ['clinic', 'cdc', undefined, '202'],
    ['clinic', 'manufacturer', '211', '211'],
    ['clinic', 'clinic', undefined, null],
    ['regulator', 'cdc', undefined, null],
    ['distributor', 'cdc', undefined, null],
  ])('%s → %s (asked: %s) is %s', (from, to, requested, expected) => expect(billTypeFor(from, to, requested)).toBe(expected));
});

describe('manufacturer site, holding a released batch it produced', () => {
  const sale = shipmentDispatched({
    shipmentId: 'SH-1',
    fromSite: MAH,
    toSite: PROVINCIAL_CDC,
    toProvince: '510000',
    lines: [{ batchId: BATCH_ID, quantity: 2, traceCodes: [code(1), code(2)] }],
    dispatchedAt: '2026-11-20T09:00:00+08:00',
    deliveryNoteNo: 'DN-2026-11-0042',
    billType: '201',
  });

  it('sells to a CDC (bill 201)', () => given([]).when(dispatch(MAH_SITE)).then([sale]));

  it('keeps the order and carrier when given', () =>
    given([])
      .when(dispatch(MAH_SITE, { orderNo: 'PO-77', carrierOrgCode: CARRIER }))
      .then([shipmentDispatched({ ...sale.data, orderNo: 'PO-77', carrierOrgCode: CARRIER })]));

  it('ships without codes when none are scanned', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity: 10 }] }))
      .then([shipmentDispatched({ ...sale.data, lines: [{ batchId: BATCH_ID, quantity: 10 }] })]));

  it('refuses to sell to a clinic', () =>
    given([])
      .when(dispatch(MAH_SITE, { toSite: CLINIC }, { receiver: CLINIC_SITE }))
      .thenRefuses('FLOW_NOT_ALLOWED', 'toSite'));

  it('refuses an unregistered receiver', () =>
    given([])
      .when(dispatch(MAH_SITE, {}, { receiver: null }))
      .thenRefuses('UNKNOWN_ORGANISATION', 'toSite'));

  it('refuses to ship to itself', () =>
    given([])
      .when(dispatch(MAH_SITE, { toSite: MAH }, { receiver: MAH_SITE }))
      .thenRefuses('SAME_SENDER_AND_RECEIVER'));

  it('refuses more than was produced', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity: 11 }] }))
      .thenRefuses('INSUFFICIENT_STOCK', 'lines[0].quantity'));

  it('refuses what it already shipped', () =>
    given([sale])
      .when(dispatch(MAH_SITE, { shipmentId: 'SH-2', deliveryNoteNo: 'DN-2026-11-0043', lines: [{ batchId: BATCH_ID, quantity: 9 }] }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('refuses a code it already shipped', () =>
    given([sale])
      .when(
        dispatch(MAH_SITE, {
          shipmentId: 'SH-2',
          deliveryNoteNo: 'DN-2026-11-0043',
          lines: [{ batchId: BATCH_ID, quantity: 1, traceCodes: [code(2)] }],
        }),
      )
      .thenRefuses('TRACE_CODE_NOT_ON_HAND', 'lines[0].traceCodes'));

  it('refuses a code that is not of this batch', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity: 1, traceCodes: [code(99)] }] }))
      .thenRefuses('TRACE_CODE_NOT_ON_HAND'));

  it('refuses a unit doses were drawn from', () =>
    given([])
      .when(dispatch(MAH_SITE, {}, { usedTraceCodes: [code(2)] }))
      .thenRefuses('TRACE_CODE_USED'));

  it('refuses a code listed twice', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity: 2, traceCodes: [code(1), code(1)] }] }))
      .thenRefuses('TRACE_CODE_DUPLICATE'));

  it('refuses codes that do not make up the quantity', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity: 3, traceCodes: [code(1), code(2)] }] }))
      .thenRefuses('TRACE_CODE_COUNT_MISMATCH'));

  it('refuses codes for a product that is not serialised', () =>
    given([])
      .when(dispatch(MAH_SITE, {}, { batches: { [BATCH_ID]: batchFacts({ serialised: false }) } }))
      .thenRefuses('TRACE_CODE_COUNT_MISMATCH'));

  it('refuses a dispatch time more than five minutes ahead', () =>
    given([])
      .when(dispatch(MAH_SITE, { dispatchedAt: '2026-11-20T12:05:01+08:00' }))
      .thenRefuses('TIME_IN_FUTURE', 'dispatchedAt'));

  it('tolerates a clock up to five minutes ahead', () =>
    given([])
      .when(dispatch(MAH_SITE, { dispatchedAt: '2026-11-20T12:05:00+08:00' }))
      .then([shipmentDispatched({ ...sale.data, dispatchedAt: '2026-11-20T12:05:00+08:00' })]));

  it.each([0, -1, 1.5])('refuses a line of %d doses', (quantity) =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity }] }))
      .thenRefuses('INVALID_QUANTITY', 'lines[0].quantity'),
  );

  it('refuses an empty shipment', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [] }))
      .thenRefuses('INVALID_QUANTITY', 'lines'));

  it('refuses a batch on two lines', () =>
    given([])
      .when(
        dispatch(MAH_SITE, {
          lines: [
            { batchId: BATCH_ID, quantity: 1 },
            { batchId: BATCH_ID, quantity: 1 },
          ],
        }),
      )
      .thenRefuses('DUPLICATE_LINE'));

  it('refuses an unknown batch', () =>
    given([])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: '8696321-NOPE', quantity: 1 }] }))
      .thenRefuses('UNKNOWN_BATCH', 'lines[0].batchId'));

  it('refuses a shipment id it already used', () =>
    given([sale])
      .when(dispatch(MAH_SITE, { lines: [{ batchId: BATCH_ID, quantity: 1 }] }))
      .thenRefuses('SHIPMENT_EXISTS'));

  it('refuses a delivery-note number it already issued with another shipment', () =>
    given([sale])
      .when(dispatch(MAH_SITE, { shipmentId: 'SH-2', lines: [{ batchId: BATCH_ID, quantity: 1 }] }))
      .thenRefuses('DELIVERY_NOTE_REUSED', 'deliveryNoteNo'));

  it('takes a new delivery-note number', () => {
    const next = dispatch(MAH_SITE, { shipmentId: 'SH-2', deliveryNoteNo: 'DN-2026-11-0043', lines: [{ batchId: BATCH_ID, quantity: 1 }] });
    expect(siteDecider.decide(next, given([sale]).state())).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ shipmentId: 'SH-2', deliveryNoteNo: 'DN-2026-11-0043' }) }),
    ]);
  });

  it('reads a note number such as __proto__ as a number like any other', () => {
    const first = dispatch(MAH_SITE, { deliveryNoteNo: '__proto__' });
    const [event] = siteDecider.decide(first, given([]).state());
    expect(event).toEqual(expect.objectContaining({ data: expect.objectContaining({ deliveryNoteNo: '__proto__' }) }));
    given([event!])
      .when(dispatch(MAH_SITE, { shipmentId: 'SH-2', deliveryNoteNo: '__proto__', lines: [{ batchId: BATCH_ID, quantity: 1 }] }))
      .thenRefuses('DELIVERY_NOTE_REUSED', 'deliveryNoteNo');
  });
});

describe('manufacturer site, when the batch may not be sold', () => {
  it.each<[string, Partial<BatchFacts>, string]>([
    ['not yet released', { released: false }, 'BATCH_NOT_RELEASED'],
    ['refused release', { released: false, releaseRefused: true }, 'BATCH_NOT_RELEASED'],
    ['recalled', { recalled: true }, 'BATCH_RECALLED'],
    ['suspended', { suspended: true }, 'BATCH_SUSPENDED'],
    ['expired the day before', { expiresOn: '2026-11-19' }, 'BATCH_EXPIRED'],
  ])('refuses a batch that is %s', (_, overrides, expected) =>
    given([])
      .when(dispatch(MAH_SITE, {}, { batches: { [BATCH_ID]: batchFacts(overrides) } }))
      .thenRefuses(expected as 'BATCH_EXPIRED', 'lines[0].batchId'),
  );

  it('still ships on the expiry day itself (China time)', () =>
    expect(
      siteDecider.decide(
        dispatch(MAH_SITE, { dispatchedAt: '2026-11-19T15:59:00Z' }, { batches: { [BATCH_ID]: batchFacts({ expiresOn: '2026-11-19' }) } }),
        siteDecider.initialState(),
      ),
    ).toHaveLength(1));
});

describe('CDC site, holding ten doses received from the MAH', () => {
  const held = [receivedTen];
  const toClinic = (data: Partial<DispatchShipmentData> = {}, context: Partial<DispatchShipmentContext> = {}) =>
    dispatch(PROVINCE_SITE, { toSite: CLINIC, shipmentId: 'SH-2', ...data }, { receiver: CLINIC_SITE, ...context });

  it('supplies a clinic (bill 209)', () =>
    given(held)
      .when(toClinic())
      .then([
        shipmentDispatched({
          shipmentId: 'SH-2',
          fromSite: PROVINCIAL_CDC,
          toSite: CLINIC,
          toProvince: '440300',
          lines: [{ batchId: BATCH_ID, quantity: 2, traceCodes: [code(1), code(2)] }],
          dispatchedAt: '2026-11-20T09:00:00+08:00',
          deliveryNoteNo: 'DN-2026-11-0042',
          billType: '209',
        }),
      ]));

  it('transfers to another CDC (bill 203)', () => {
    const [event] = siteDecider.decide(
      dispatch(PROVINCE_SITE, { toSite: CITY_CDC, shipmentId: 'SH-2' }, { receiver: org(CITY_CDC, 'cdc') }),
      given(held).state(),
    );
    expect(event?.type === 'ShipmentDispatched' && event.data.billType).toBe('203');
  });

  it('returns to the MAH (bill 202) without being asked', () => {
    const [event] = siteDecider.decide(
      dispatch(PROVINCE_SITE, { toSite: MAH, shipmentId: 'SH-2' }, { receiver: MAH_SITE }),
      given(held).state(),
    );
    expect(event?.type === 'ShipmentDispatched' && event.data.billType).toBe('202');
  });

  it('sends recalled stock back to the MAH as a recall return (bill 211)', () => {
    const [event] = siteDecider.decide(
      dispatch(
        PROVINCE_SITE,
        { toSite: MAH, shipmentId: 'SH-2', billType: '211' },
        { receiver: MAH_SITE, batches: { [BATCH_ID]: batchFacts({ recalled: true }) } },
      ),
      given(held).state(),
    );
    expect(event?.type === 'ShipmentDispatched' && event.data.billType).toBe('211');
  });

  it('refuses to supply a clinic with recalled stock', () =>
    given(held)
      .when(toClinic({}, { batches: { [BATCH_ID]: batchFacts({ recalled: true }) } }))
      .thenRefuses('BATCH_RECALLED'));

  it('refuses a "return" to a clinic', () =>
    given(held)
      .when(toClinic({ billType: '202' }))
      .thenRefuses('FLOW_NOT_ALLOWED'));

  it('refuses to ship to a carrier or a regulator', () => {
    given(held)
      .when(dispatch(PROVINCE_SITE, { toSite: CARRIER }, { receiver: org(CARRIER, 'distributor') }))
      .thenRefuses('FLOW_NOT_ALLOWED');
    given(held)
      .when(dispatch(PROVINCE_SITE, { toSite: REGULATOR }, { receiver: org(REGULATOR, 'regulator') }))
      .thenRefuses('FLOW_NOT_ALLOWED');
  });

  it('counts doses given here against stock', () =>
    given(held)
      .when(toClinic({ lines: [{ batchId: BATCH_ID, quantity: 3 }] }, { administeredHere: { [BATCH_ID]: 8 } }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('does not count the MAH’s production as its own', () =>
    given(held)
      .when(toClinic({ lines: [{ batchId: BATCH_ID, quantity: 11 }] }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('refuses a code it never received', () =>
    given([
      shipmentReceived({
        ...receivedTen.data,
        lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 2, rejected: 8, traceCodes: [code(5), code(6)] }],
      }),
    ])
      .when(toClinic())
      .thenRefuses('TRACE_CODE_NOT_ON_HAND'));

  it('shows its stock', () =>
    expect(stockOf(given(held).state(), BATCH_ID, { producedHere: 0, administeredHere: 3 })).toEqual({
      available: 7,
      quarantined: 0,
    }));
});

describe('clinic site, holding stock', () => {
  const held = [{ ...receivedTen, data: { ...receivedTen.data, fromSite: PROVINCIAL_CDC } }];
  const back = (data: Partial<DispatchShipmentData> = {}, context: Partial<DispatchShipmentContext> = {}) =>
    dispatch(CLINIC_SITE, { toSite: PROVINCIAL_CDC, ...data }, { receiver: PROVINCE_SITE, ...context });

  it('returns expired stock to its CDC (bill 202)', () =>
    given(held)
      .when(back({}, { batches: { [BATCH_ID]: batchFacts({ expiresOn: '2026-01-01' }) } }))
      .then([
        shipmentDispatched({
          shipmentId: 'SH-1',
          fromSite: CLINIC,
          toSite: PROVINCIAL_CDC,
          toProvince: '510000',
          lines: [{ batchId: BATCH_ID, quantity: 2, traceCodes: [code(1), code(2)] }],
          dispatchedAt: '2026-11-20T09:00:00+08:00',
          deliveryNoteNo: 'DN-2026-11-0042',
          billType: '202',
        }),
      ]));

  it('refuses to ship to another clinic', () =>
    given(held)
      .when(dispatch(CLINIC_SITE, { toSite: OTHER_CLINIC }, { receiver: org(OTHER_CLINIC, 'clinic') }))
      .thenRefuses('FLOW_NOT_ALLOWED'));

  it('refuses a return beyond its stock', () =>
    given(held)
      .when(back({ lines: [{ batchId: BATCH_ID, quantity: 11 }] }))
      .thenRefuses('INSUFFICIENT_STOCK'));
});

describe('regulator or carrier as sender', () => {
  it('never ships', () => {
    given([])
      .when(dispatch(org(REGULATOR, 'regulator'), {}, { receiver: PROVINCE_SITE }))
      .thenRefuses('FLOW_NOT_ALLOWED');
    given([])
      .when(dispatch(org(CARRIER, 'distributor'), {}, { receiver: PROVINCE_SITE }))
      .thenRefuses('FLOW_NOT_ALLOWED');
  });
});

describe('CDC site, receiving a shipment whose dispatch has synced', () => {
  it('takes the goods into stock with the shipped codes and a summarised log', () => given([]).when(receive()).then([receivedTen]));

  it('records a partial acceptance with the codes counted', () =>
    given([])
      .when(
        receive({
          lines: [{ batchId: BATCH_ID, accepted: 8, rejected: 2, traceCodes: codes(1, 8) }],
          verification: { result: 'discrepancy', reasonCode: 'damaged_cases', releaseCertificateChecked: true },
        }),
      )
      .then([
        shipmentReceived({
          ...receivedTen.data,
          lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 8, rejected: 2, traceCodes: codes(1, 8) }],
          verification: { result: 'discrepancy', reasonCode: 'damaged_cases', releaseCertificateChecked: true },
        }),
      ]));

  it('does not guess codes for a partial acceptance without scans', () =>
    given([])
      .when(receive({ lines: [{ batchId: BATCH_ID, accepted: 8, rejected: 2 }], verification: { ...ACCEPTED, result: 'discrepancy' } }))
      .then([
        shipmentReceived({
          ...receivedTen.data,
          lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 8, rejected: 2 }],
          verification: { ...ACCEPTED, result: 'discrepancy' },
        }),
      ]));

  it('refuses to accept doses without a temperature log, naming the field', () =>
    given([])
      .when(receive({ temperatureLog: undefined }))
      .thenRefuses('TEMPERATURE_LOG_REQUIRED', 'temperatureLog'));

  it('treats a log without readings as no log', () =>
    given([])
      .when(receive({ temperatureLog: { deviceId: 'TL-88', readings: [] } }))
      .thenRefuses('TEMPERATURE_LOG_REQUIRED', 'temperatureLog'));

  it('refuses a partial acceptance without a log too', () =>
    given([])
      .when(receive({ temperatureLog: undefined, lines: [{ batchId: BATCH_ID, accepted: 1, rejected: 9 }] }))
      .thenRefuses('TEMPERATURE_LOG_REQUIRED', 'temperatureLog'));

  it('records a refusal of the whole shipment that has no log to give, as the receiver counted it', () =>
    given([])
      .when(
        receive({
          temperatureLog: undefined,
          lines: [{ batchId: BATCH_ID, accepted: 0, rejected: 10 }],
          verification: { result: 'rejected', reasonCode: 'no_temperature_record', releaseCertificateChecked: true },
        }),
      )
      .then([
        shipmentReceived({
          ...receivedTen.data,
          lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 0, rejected: 10 }],
          verification: { result: 'rejected', reasonCode: 'no_temperature_record', releaseCertificateChecked: true },
          temperatureLog: undefined,
        }),
      ]));

  it('forces a rejection when a reading left the storage range', () =>
    given([])
      .when(
        receive({ temperatureLog: { deviceId: 'TL-88', readings: [...LOG.readings, { at: '2026-11-19T20:00:00+08:00', celsius: 9.1 }] } }),
      )
      .then([
        shipmentReceived({
          ...receivedTen.data,
          lines: [{ batchId: BATCH_ID, shipped: 10, accepted: 0, rejected: 10 }],
          verification: { result: 'rejected', reasonCode: 'TEMPERATURE_OUT_OF_RANGE', releaseCertificateChecked: true },
          temperatureLog: {
            deviceId: 'TL-88',
            readings: [...LOG.readings, { at: '2026-11-19T20:00:00+08:00', celsius: 9.1 }],
            min: 4.8,
            max: 9.1,
          },
        }),
      ]));

  it('rejects every line when the receiver rejects the shipment', () =>
    expectRejectedReceipt(
      receive({ verification: { result: 'rejected', reasonCode: 'no_certificate', releaseCertificateChecked: false } }),
      'no_certificate',
    ));

  it('refuses a receipt by a site the shipment is not for', () =>
    given([])
      .when(receive({}, {}, CITY_CDC))
      .thenRefuses('NOT_SHIPMENT_RECIPIENT'));

  it('refuses a batch that was not shipped', () =>
    given([])
      .when(receive({ lines: [{ batchId: '8696321-OTHER', accepted: 1, rejected: 0 }] }))
      .thenRefuses('RECEIPT_LINE_NOT_SHIPPED', 'lines[0].batchId'));

  it('refuses to count more than was shipped', () =>
    given([])
      .when(receive({ lines: [{ batchId: BATCH_ID, accepted: 10, rejected: 1 }] }))
      .thenRefuses('RECEIPT_QUANTITY_MISMATCH', 'lines[0]'));

  it('refuses to count fewer than were shipped (no dose left unaccounted)', () =>
    given([])
      .when(receive({ lines: [{ batchId: BATCH_ID, accepted: 7, rejected: 2 }] }))
      .thenRefuses('RECEIPT_QUANTITY_MISMATCH', 'lines[0]'));

  it('refuses a receipt that leaves out a shipped line', () =>
    given([])
      .when(receive({}, { dispatch: { ...shipmentFromMah, lines: [...shipmentFromMah.lines, { batchId: '8696321-OTHER', quantity: 3 }] } }))
      .thenRefuses('RECEIPT_QUANTITY_MISMATCH', 'lines'));

  it('accepts every count that adds up to the shipped quantity', () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 }), (accepted) => {
        const [event] = siteDecider.decide(
          receive({
            lines: [{ batchId: BATCH_ID, accepted, rejected: 10 - accepted }],
            verification: { ...ACCEPTED, result: accepted === 10 ? 'accepted' : 'discrepancy' },
          }),
          siteDecider.initialState(),
        );
        expect(event?.type === 'ShipmentReceived' && event.data.lines[0]).toMatchObject({ shipped: 10, accepted, rejected: 10 - accepted });
      }),
    ));

  it('refuses a code that was not shipped', () =>
    given([])
      .when(receive({ lines: [{ batchId: BATCH_ID, accepted: 1, rejected: 9, traceCodes: [code(11)] }] }))
      .thenRefuses('TRACE_CODE_NOT_SHIPPED', 'lines[0].traceCodes'));

  it('refuses a negative count', () =>
    given([])
      .when(receive({ lines: [{ batchId: BATCH_ID, accepted: -1, rejected: 0 }] }))
      .thenRefuses('INVALID_QUANTITY', 'lines[0].accepted'));

  it('refuses a batch on two lines', () =>
    given([])
      .when(
        receive({
          lines: [
            { batchId: BATCH_ID, accepted: 1, rejected: 0 },
            { batchId: BATCH_ID, accepted: 1, rejected: 0 },
          ],
        }),
      )
      .thenRefuses('DUPLICATE_LINE'));

  it('refuses a receipt time in the future', () =>
    given([])
      .when(receive({ receivedAt: '2026-11-21T10:00:00+08:00' }))
      .thenRefuses('TIME_IN_FUTURE', 'receivedAt'));

  it('refuses a receipt dated before the dispatch, beyond five minutes of clock skew between the two sites', () => {
    const leftAt = (dispatchedAt: string) => ({ dispatch: { ...shipmentFromMah, dispatchedAt } });
    given([])
      .when(receive({ receivedAt: '2026-11-20T10:00:00+08:00' }, leftAt('2026-11-20T10:05:01+08:00')))
      .thenRefuses('RECEIPT_BEFORE_DISPATCH', 'receivedAt');
    const decided = siteDecider.decide(
      receive({ receivedAt: '2026-11-20T10:00:00+08:00' }, leftAt('2026-11-20T10:05:00+08:00')),
      siteDecider.initialState(),
    );
    expect(decided.map((e) => e.type)).toEqual(['ShipmentReceived']);
  });
});

describe('CDC site, when the shipment was already received', () => {
  it('refuses a second receipt', () => given([receivedTen]).when(receive()).thenRefuses('SHIPMENT_ALREADY_RECEIVED'));
});

describe('clinic site, receiving goods before their dispatch has synced', () => {
  const early = (data: Partial<ReceiveShipmentData> = {}) =>
    receive(
      { shipmentId: 'SH-9', fromSite: PROVINCIAL_CDC, lines: [{ batchId: BATCH_ID, accepted: 5, rejected: 1 }], ...data },
      { dispatch: null, actor: actor('clinic', CLINIC) },
      CLINIC,
    );
  const quarantinedFive = shipmentReceived({
    shipmentId: 'SH-9',
    fromSite: PROVINCIAL_CDC,
    receivedAt: '2026-11-20T10:00:00+08:00',
    lines: [{ batchId: BATCH_ID, shipped: 6, accepted: 5, rejected: 1 }],
    verification: ACCEPTED,
    temperatureLog: { ...LOG, min: 4.8, max: 5.6 },
    quarantined: true,
  });

  it('keeps the receipt and quarantines the stock rather than refusing the goods', () => given([]).when(early()).then([quarantinedFive]));

  it('asks for the sender named on the delivery note', () =>
    given([])
      .when(early({ fromSite: undefined }))
      .thenRefuses('UNKNOWN_SHIPMENT', 'fromSite'));

  it('holds quarantined stock apart from usable stock', () =>
    expect(stockOf(given([quarantinedFive]).state(), BATCH_ID, { producedHere: 0, administeredHere: 0 })).toEqual({
      available: 0,
      quarantined: 5,
    }));

  it('does not let quarantined stock leave', () =>
    given([quarantinedFive])
      .when(dispatch(CLINIC_SITE, { toSite: PROVINCIAL_CDC, lines: [{ batchId: BATCH_ID, quantity: 1 }] }, { receiver: PROVINCE_SITE }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('lets quarantined stock be destroyed, quarantine first', () => {
    const destroyed = unitsDestroyed({ ...destruction, lines: [{ batchId: BATCH_ID, quantity: 5 }] });
    given([quarantinedFive])
      .when(destroy({ lines: [{ batchId: BATCH_ID, quantity: 5 }] }, { actor: actor('clinic', CLINIC) }, CLINIC))
      .then([destroyed]);
    expect(stockOf(given([quarantinedFive, receivedTen, destroyed]).state(), BATCH_ID, { producedHere: 0, administeredHere: 0 })).toEqual({
      available: 10,
      quarantined: 0,
    });
  });
});

describe('CDC site, destroying stock it holds', () => {
  const held = [receivedTen];

  it('records the destruction under four eyes', () =>
    given(held)
      .when(destroy())
      .then([unitsDestroyed(destruction)]));

  it('records a recall destruction with its recall', () =>
    given(held)
      .when(destroy({ reasonCode: 'recalled', recallId: 'RC-2026-0007' }))
      .then([unitsDestroyed({ ...destruction, reasonCode: 'recalled', recallId: 'RC-2026-0007' })]));

  it('refuses an executor who is also the supervisor', () =>
    given(held)
      .when(destroy({ supervisorRef: 'S-0007' }))
      .thenRefuses('EXECUTOR_IS_SUPERVISOR'));

  it('refuses a recall destruction that names no recall', () =>
    given(held)
      .when(destroy({ reasonCode: 'recalled' }))
      .thenRefuses('RECALL_REQUIRED', 'recallId'));

  it('refuses more than is on hand', () =>
    given(held)
      .when(destroy({ lines: [{ batchId: BATCH_ID, quantity: 11 }] }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('counts doses given here', () =>
    given(held)
      .when(destroy({ lines: [{ batchId: BATCH_ID, quantity: 3 }] }, { administeredHere: { [BATCH_ID]: 8 } }))
      .thenRefuses('INSUFFICIENT_STOCK'));

  it('refuses a code not held here', () =>
    given(held)
      .when(destroy({ lines: [{ batchId: BATCH_ID, quantity: 1, traceCodes: [code(42)] }] }))
      .thenRefuses('TRACE_CODE_NOT_ON_HAND'));

  it('refuses an unknown batch', () =>
    given(held)
      .when(destroy({}, { batches: {} }))
      .thenRefuses('UNKNOWN_BATCH', 'lines[0].batchId'));

  it('refuses a destruction time in the future', () =>
    given(held)
      .when(destroy({ destroyedAt: '2026-11-20T13:00:00+08:00' }))
      .thenRefuses('TIME_IN_FUTURE'));

  it('no longer offers destroyed codes for dispatch', () =>
    given([...held, unitsDestroyed(destruction)])
      .when(
        dispatch(
          PROVINCE_SITE,
          { toSite: CLINIC, shipmentId: 'SH-2', lines: [{ batchId: BATCH_ID, quantity: 1, traceCodes: [code(3)] }] },
          { receiver: CLINIC_SITE },
        ),
      )
      .thenRefuses('TRACE_CODE_NOT_ON_HAND'));
});

// ---------------------------------------------------------------------------------------------
// Properties

type Op =
  | { kind: 'receive'; shipped: number; accepted: number; quarantined: boolean }
  | { kind: 'dispatch'; quantity: number }
  | { kind: 'destroy'; quantity: number }
  | { kind: 'administer' };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ shipped: fc.integer({ min: 1, max: 20 }), share: fc.integer({ min: 0, max: 100 }), quarantined: fc.boolean() })
    .map(({ shipped, share, quarantined }) => ({
      kind: 'receive' as const,
      shipped,
      accepted: Math.floor((shipped * share) / 100),
      quarantined,
    })),
  fc.integer({ min: 1, max: 25 }).map((quantity) => ({ kind: 'dispatch' as const, quantity })),
  fc.integer({ min: 1, max: 25 }).map((quantity) => ({ kind: 'destroy' as const, quantity })),
  fc.constant({ kind: 'administer' as const }),
);

describe('site stock, under any sequence of receipts, dispatches, destructions and doses', () => {
  const site = CITY_CDC;
  const facts = batchFacts({ serialised: false, producedTraceCodes: [] });
  const batches = { [BATCH_ID]: facts };

  it('never goes negative, refuses exactly the over-draws, and replays to the same state', () =>
    fc.assert(
      fc.property(fc.array(opArbitrary, { maxLength: 40 }), (ops) => {
        let state = siteDecider.initialState();
        let administered = 0;
        const model = { available: 0, quarantined: 0 };
        const recorded: Recorded<SiteEvent>[] = [];
        const apply = (events: SiteEvent[]) => {
          for (const event of events) {
            const meta = { eventId: `e${recorded.length + 1}` };
            recorded.push(deepFreeze({ event, meta }));
            state = siteDecider.evolve(state, event, meta);
          }
        };
        const attempt = (command: Parameters<typeof siteDecider.decide>[0]): boolean => {
          try {
            apply(siteDecider.decide(command, state));
            return true;
          } catch (error) {
            if (isRuleViolation(error) && error.code === 'INSUFFICIENT_STOCK') return false;
            throw error;
          }
        };

        ops.forEach((op, index) => {
          const shipmentId = `SH-${index}`;
          const context = { now: NOW, actor: actor('cdc', site), batches, administeredHere: { [BATCH_ID]: administered } };
          switch (op.kind) {
            case 'receive': {
              const dispatchFacts: ShipmentFacts = {
                shipmentId,
                fromSite: PROVINCIAL_CDC,
                toSite: site,
                billType: '203',
                lines: [{ batchId: BATCH_ID, quantity: op.shipped }],
              };
              expect(
                attempt({
                  type: 'ReceiveShipment',
                  data: {
                    shipmentId,
                    fromSite: PROVINCIAL_CDC,
                    receivedAt: NOW,
                    lines: [{ batchId: BATCH_ID, accepted: op.accepted, rejected: op.shipped - op.accepted }],
                    verification: ACCEPTED,
                    temperatureLog: LOG,
                  },
                  context: { ...context, dispatch: op.quarantined ? null : dispatchFacts },
                }),
              ).toBe(true);
              if (op.quarantined) model.quarantined += op.accepted;
              else model.available += op.accepted;
              break;
            }
            case 'dispatch': {
              const accepted = attempt({
                type: 'DispatchShipment',
                data: {
                  shipmentId,
                  toSite: CLINIC,
                  dispatchedAt: NOW,
                  deliveryNoteNo: `DN-${index}`,
                  lines: [{ batchId: BATCH_ID, quantity: op.quantity }],
                },
                context: { ...context, sender: org(site, 'cdc'), receiver: CLINIC_SITE, usedTraceCodes: [] },
              });
              expect(accepted).toBe(op.quantity <= model.available);
              if (accepted) model.available -= op.quantity;
              break;
            }
            case 'destroy': {
              const accepted = attempt({
                type: 'DestroyUnits',
                data: { ...destruction, lines: [{ batchId: BATCH_ID, quantity: op.quantity }] },
                context,
              });
              expect(accepted).toBe(op.quantity <= model.available + model.quarantined);
              if (accepted) {
                const fromQuarantine = Math.min(model.quarantined, op.quantity);
                model.quarantined -= fromQuarantine;
                model.available -= op.quantity - fromQuarantine;
              }
              break;
            }
            case 'administer':
              // The person decider refuses a dose when the site has no usable stock.
              if (stockOf(state, BATCH_ID, { producedHere: 0, administeredHere: administered }).available >= 1) {
                administered += 1;
                model.available -= 1;
              }
              break;
          }
          const level = stockOf(state, BATCH_ID, { producedHere: 0, administeredHere: administered });
          expect(level.available).toBeGreaterThanOrEqual(0);
          expect(level.quarantined).toBeGreaterThanOrEqual(0);
          expect(level).toEqual(model);
        });

        expect(foldRecorded(siteDecider, recorded)).toEqual(state);
        expect(foldRecorded(siteDecider, recorded)).toEqual(foldRecorded(siteDecider, recorded));
      }),
      { numRuns: 300 },
    ));
});
