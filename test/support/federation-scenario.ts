import { randomUUID } from 'node:crypto';
import { actor, type ApiHarness, ORGS, startApi } from './api-harness';
import { until } from './until';

/**
 * The federation most sync tests start from, the way `scenario.ts` is the API tests' start:
 * two provincial nodes, Sichuan (A, 510000) and Guangdong (B, 440000), on the run's PostgreSQL
 * and the real Kafka broker, and one supply chain across them. The manufacturer (in A's log)
 * makes a HepB lot, the national regulator releases it, 40 doses go to B's CDC and 40 to A's
 * CDC, each CDC passes 10 on to a clinic of its province, every receipt accepted.
 */
export const A = '510000';
export const B = '440000';
export const HUB = '000000';
export const CLINIC_A = '12510100MB0C00017E';
export const CDC_B = '12440000MB0D00028M';
export const FEDERATION_PRODUCT = '8696321';

/** Who acts in A and in B (the regulator is the national one in both). */
export const AS_A = {
  regulator: actor('regulator', ORGS.regulator, HUB),
  maker: actor('manufacturer', ORGS.maker, '320000'),
  cdc: actor('cdc', ORGS.cdc, A),
  clinic: actor('clinic', CLINIC_A, A),
};
export const AS_B = {
  regulator: actor('regulator', ORGS.regulator, HUB),
  cdc: actor('cdc', CDC_B, B),
  clinic: actor('clinic', ORGS.clinic, B),
};

export const daysAgo = (d: number): string => new Date(Date.now() - d * 86_400_000).toISOString();

/** POSTs and expects `status` (201 unless said), else fails with the answer. */
export const postTo = async (
  node: ApiHarness,
  path: string,
  as: Record<string, string>,
  body: object,
  status = 201,
): Promise<Record<string, unknown>> => {
  const res = await node.http.post(path).set(as).send(body);
  if (res.status !== status) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
};

export interface FederationNodes {
  readonly a: ApiHarness;
  readonly b: ApiHarness;
  /** Topic prefix of this federation (its topics are its own). */
  readonly prefix: string;
  close(): Promise<void>;
}

const kafkaBrokers = (): string => {
  const kafka = process.env.TEST_KAFKA_BROKERS;
  if (!kafka) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
  return kafka;
};

/** A and B syncing as peers over Kafka, on topics named `{name}-{random}`. */
export const startPeers = async (name: string): Promise<FederationNodes> => {
  const kafka = kafkaBrokers();
  const prefix = `${name}-${randomUUID().slice(0, 8)}`;
  const a = await startApi(
    { PROVINCE_CODE: A, SYNC_PEERS: B, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
    { syncGroupId: `${prefix}-a` },
  );
  const b = await startApi(
    { PROVINCE_CODE: B, SYNC_PEERS: A, KAFKA_BROKERS: kafka, SYNC_TOPIC_PREFIX: prefix },
    { syncGroupId: `${prefix}-b` },
  );
  return {
    a,
    b,
    prefix,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
};

/** A in hub mode and B in direct mode (hosted on the national node), both syncing only through the hub. */
export const startWithHub = async (name: string): Promise<FederationNodes & { hub: ApiHarness }> => {
  const prefix = `${name}-${randomUUID().slice(0, 8)}`;
  const common = { KAFKA_BROKERS: kafkaBrokers(), SYNC_TOPIC_PREFIX: prefix, SYNC_MODE: 'hub' };
  const hub = await startApi({ ...common, PROVINCE_CODE: HUB, SYNC_PEERS: `${A},${B}` }, { syncGroupId: `${prefix}-hub` });
  const a = await startApi({ ...common, PROVINCE_CODE: A }, { syncGroupId: `${prefix}-a` });
  const b = await startApi({ ...common, PROVINCE_CODE: B, SYNC_MODE: 'direct' }, { syncGroupId: `${prefix}-b` });
  return {
    a,
    b,
    hub,
    prefix,
    close: async () => {
      await a.close();
      await b.close();
      await hub.close();
    },
  };
};

export interface SupplyChainOptions {
  readonly lot: string;
  /** Register each clinic under its province's CDC (parentOrgCode), as erasure needs. */
  readonly clinicsUnderCdcs?: boolean;
}

/** Builds the organisations, product, lot and custody chain above; returns the batch id. */
export const federationSupplyChain = async (a: ApiHarness, b: ApiHarness, options: SupplyChainOptions): Promise<{ batchId: string }> => {
  const batchId = `${FEDERATION_PRODUCT}-${options.lot}`;
  const parent = (cdc: string): object => (options.clinicsUnderCdcs ? { parentOrgCode: cdc } : {});
  await postTo(a, '/v1/organisations', AS_A.regulator, {
    orgCode: ORGS.maker,
    name: 'Maker',
    kind: 'manufacturer',
    provinceCode: '320000',
  });
  await postTo(a, '/v1/organisations', AS_A.regulator, { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: A });
  await postTo(a, '/v1/organisations', AS_A.regulator, {
    orgCode: CLINIC_A,
    name: 'Chengdu clinic',
    kind: 'clinic',
    provinceCode: A,
    ...parent(ORGS.cdc),
  });
  await postTo(b, '/v1/organisations', AS_B.regulator, { orgCode: CDC_B, name: 'Guangdong CDC', kind: 'cdc', provinceCode: B });
  await postTo(b, '/v1/organisations', AS_B.regulator, {
    orgCode: ORGS.clinic,
    name: 'Shenzhen clinic',
    kind: 'clinic',
    provinceCode: B,
    ...parent(CDC_B),
  });
  await postTo(a, '/v1/products', AS_A.maker, {
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
  await postTo(a, '/v1/batches', AS_A.maker, {
    productCode: FEDERATION_PRODUCT,
    lotNumber: options.lot,
    producedOn: '2026-09-01',
    expiresOn: '2028-08-31',
    quantity: 100,
  });
  await postTo(a, `/v1/batches/${batchId}/release`, AS_A.regulator, { certificateNo: 'C-9', decidedOn: '2026-09-05' });
  // A needs B's CDC (registered in B) before it can ship there.
  await until('B’s CDC known in A', async () => (await a.runtime.readModels.organisation(CDC_B)) !== null);
  const receipt = {
    receivedAt: daysAgo(46),
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'TL-9', readings: [{ at: daysAgo(46), celsius: 5 }] },
  };
  const dispatch = (node: ApiHarness, as: Record<string, string>, toSite: string, note: string, quantity: number, at: number) =>
    postTo(node, '/v1/shipments', as, { toSite, dispatchedAt: daysAgo(at), deliveryNoteNo: note, lines: [{ batchId, quantity }] });
  const receive = (node: ApiHarness, as: Record<string, string>, shipment: Record<string, unknown>, accepted: number, at: number) =>
    postTo(node, `/v1/shipments/${String(shipment.id)}/receipt`, as, {
      ...receipt,
      receivedAt: daysAgo(at),
      lines: [{ batchId, accepted, rejected: 0 }],
    });
  const toB = await dispatch(a, AS_A.maker, CDC_B, 'DN-X', 40, 50);
  const toA = await dispatch(a, AS_A.maker, ORGS.cdc, 'DN-Y', 40, 50);
  await until('the dispatch in B', async () => (await b.runtime.readModels.shipment(String(toB.id))) !== null);
  await receive(b, AS_B.cdc, toB, 40, 46);
  await receive(a, AS_A.cdc, toA, 40, 46);
  await receive(a, AS_A.clinic, await dispatch(a, AS_A.cdc, CLINIC_A, 'DN-A', 10, 45), 10, 44);
  await receive(b, AS_B.clinic, await dispatch(b, AS_B.cdc, ORGS.clinic, 'DN-B', 10, 45), 10, 44);
  return { batchId };
};

/** The chain every node should show for that batch, sorted (`type:toSite`). */
export const FEDERATION_CUSTODY: readonly string[] = [
  `produced:${ORGS.maker}`,
  'released:',
  `dispatched:${CDC_B}`,
  `dispatched:${ORGS.cdc}`,
  `received:${CDC_B}`,
  `received:${ORGS.cdc}`,
  `dispatched:${CLINIC_A}`,
  `received:${CLINIC_A}`,
  `dispatched:${ORGS.clinic}`,
  `received:${ORGS.clinic}`,
].sort();

/** A node's custody chain of the batch, sorted (empty while the node does not know the batch). */
export const custodyAt = async (node: ApiHarness, batchId: string): Promise<string[]> => {
  await node.settle();
  const res = await node.http.get(`/v1/batches/${batchId}/trace`).set(AS_A.regulator);
  return res.status === 200
    ? (res.body.custody as { type: string; toSite?: string }[]).map((c) => `${c.type}:${c.toSite ?? ''}`).sort()
    : [];
};
