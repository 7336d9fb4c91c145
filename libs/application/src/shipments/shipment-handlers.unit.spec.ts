import { type Actor, siteStream } from '@vaxledger/domain';
import { type AccessPolicy, allowAll } from '../kernel/access';
import { uuidV5 } from '../kernel/uuid-v5';
import { handlerSpec } from '../testing/handler-spec';
import { memoryReads } from '../testing/memory-reads';
import { BATCH_ID, batchRow, CITY_CDC, MAH, orgRow, productRow } from '../testing/rows';
import { type DispatchShipmentCommand, DispatchShipmentHandler } from './dispatch-shipment.handler';
import { type ReceiveShipmentCommand, ReceiveShipmentHandler } from './receive-shipment.handler';

const maker: Actor = { orgCode: MAH, role: 'manufacturer', provinceCode: '320000' };
const cdc: Actor = { orgCode: CITY_CDC, role: 'cdc', provinceCode: '440000' };
const dispatch: DispatchShipmentCommand = {
  toSite: CITY_CDC,
  dispatchedAt: '2026-11-19T09:00:00+08:00',
  deliveryNoteNo: 'DN-1',
  lines: [{ batchId: BATCH_ID, quantity: 40 }],
};
const tables = () => ({
  organisations: [orgRow({ orgCode: MAH, kind: 'manufacturer', provinceCode: '320000' }), orgRow({ orgCode: CITY_CDC, kind: 'cdc' })],
  products: [productRow()],
  batches: [batchRow()],
});

describe('DispatchShipment handler', () => {
  it('given a released batch the maker produced, appends the dispatch to its site stream under an id derived from the key', async () => {
    const spec = handlerSpec();
    const handler = new DispatchShipmentHandler({ executor: spec.executor, reads: memoryReads(tables()), clock: spec.clock });
    const answer = await spec.when(() => handler.handle(dispatch, maker, { correlationId: 'c', idempotencyKey: 'k-1' }));
    const shipmentId = uuidV5(`${MAH}|k-1|shipment`);
    await spec.then([
      {
        streamId: siteStream(MAH),
        type: 'ShipmentDispatched',
        data: expect.objectContaining({ shipmentId, fromSite: MAH, toSite: CITY_CDC, billType: '201', toProvince: '440000' }),
      },
    ]);
    expect(answer?.id).toBe(shipmentId);
  });

  it('given more doses asked than were produced, refuses (INSUFFICIENT_STOCK)', async () => {
    const spec = handlerSpec();
    const handler = new DispatchShipmentHandler({ executor: spec.executor, reads: memoryReads(tables()), clock: spec.clock });
    await spec.when(() => handler.handle({ ...dispatch, lines: [{ batchId: BATCH_ID, quantity: 101 }] }, maker, { correlationId: 'c' }));
    await spec.thenRefuses('INSUFFICIENT_STOCK');
  });

  it('refuses a malformed trace code before deciding (INVALID_TRACE_CODE)', async () => {
    const spec = handlerSpec();
    const handler = new DispatchShipmentHandler({ executor: spec.executor, reads: memoryReads(tables()), clock: spec.clock });
    const lines = [{ batchId: BATCH_ID, quantity: 1, traceCodes: ['123'] }];
    await spec.when(() => handler.handle({ ...dispatch, lines }, maker, { correlationId: 'c' }));
    await spec.thenRefuses('INVALID_TRACE_CODE');
  });
});

describe('ReceiveShipment handler', () => {
  const SHIPMENT = '6d3f1c9e-2b7a-4c1d-8e5f-0a1b2c3d4e5f';
  const receipt: ReceiveShipmentCommand = {
    shipmentId: SHIPMENT,
    receivedAt: '2026-11-20T09:00:00+08:00',
    lines: [{ batchId: BATCH_ID, accepted: 40, rejected: 0 }],
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'T-1', readings: [{ at: '2026-11-19T12:00:00+08:00', celsius: 5 }] },
  };
  const shipped = {
    shipmentId: SHIPMENT,
    fromSite: MAH,
    toSite: CITY_CDC,
    toProvince: '440000',
    billType: '201',
    dispatchedAt: dispatch.dispatchedAt,
    deliveryNoteNo: dispatch.deliveryNoteNo,
    lines: [{ batchId: BATCH_ID, quantity: 40 }],
    received: false,
    receipt: null,
    position: '2',
  };

  it('given the dispatch has synced, appends the receipt to the receiver’s site stream', async () => {
    const spec = handlerSpec();
    const reads = memoryReads({ ...tables(), shipments: [shipped] });
    const handler = new ReceiveShipmentHandler({ executor: spec.executor, reads, access: allowAll, clock: spec.clock });
    await spec.when(() => handler.handle(receipt, cdc, { correlationId: 'c' }));
    await spec.then([
      {
        streamId: siteStream(CITY_CDC),
        type: 'ShipmentReceived',
        data: expect.objectContaining({ shipmentId: SHIPMENT, fromSite: MAH, quarantined: false }),
      },
    ]);
  });

  it('given a shipment the policy hides from the caller, answers like an unknown shipment (UNKNOWN_SHIPMENT)', async () => {
    const spec = handlerSpec();
    const reads = memoryReads({ ...tables(), shipments: [shipped] });
    const access: AccessPolicy = { ...allowAll, mayReceiveShipment: () => Promise.resolve('not_found') };
    const handler = new ReceiveShipmentHandler({ executor: spec.executor, reads, access, clock: spec.clock });
    await spec.when(() => handler.handle(receipt, cdc, { correlationId: 'c' }));
    await spec.thenRefuses('UNKNOWN_SHIPMENT');
  });
});
