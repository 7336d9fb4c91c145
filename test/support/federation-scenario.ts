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

/** Who acts in the scenario. */
export type Party = 'regulator' | 'maker' | 'cdcA' | 'clinicA' | 'cdcB' | 'clinicB';

/**
 * How the scenario reaches the nodes, whatever runs them (in-process harnesses, separate
 * processes with JWTs): a POST to A's or B's node as a party, answering its body or throwing.
 */
export interface FederationClient {
  post(node: 'A' | 'B', path: string, as: Party, body: object, status?: number): Promise<Record<string, unknown>>;
  /** True once the node's read models know this organisation. */
  knowsOrganisation(node: 'A' | 'B', orgCode: string): Promise<boolean>;
  /** True once the node knows this dispatch; absent: B's receipt is retried until accepted. */
  knowsShipment?(node: 'A' | 'B', shipmentId: string): Promise<boolean>;
  /** True once the node knows the batch's lot release; absent: B's own dispatch is retried until accepted. */
  knowsRelease?(node: 'A' | 'B', batchId: string): Promise<boolean>;
}

const HEADERS: Readonly<Record<Party, Record<string, string>>> = {
  regulator: AS_A.regulator,
  maker: AS_A.maker,
  cdcA: AS_A.cdc,
  clinicA: AS_A.clinic,
  cdcB: AS_B.cdc,
  clinicB: AS_B.clinic,
};

/** The client for two in-process nodes (startApi). */
export const harnessClient = (a: ApiHarness, b: ApiHarness): FederationClient => ({
  post: (node, path, as, body, status) => postTo(node === 'A' ? a : b, path, HEADERS[as], body, status),
  knowsOrganisation: async (node, orgCode) => (await (node === 'A' ? a : b).runtime.readModels.organisation(orgCode)) !== null,
  knowsShipment: async (node, id) => (await (node === 'A' ? a : b).runtime.readModels.shipment(id)) !== null,
  knowsRelease: async (node, batchId) =>
    (await (node === 'A' ? a : b).runtime.readModels.batches([batchId])).some((batch) => batch.releaseState === 'released'),
});

/** Builds the organisations, product, lot and custody chain above; returns the batch id. */
export const federationSupplyChain = async (
  nodes: FederationClient | { a: ApiHarness; b: ApiHarness },
  options: SupplyChainOptions,
): Promise<{ batchId: string }> => {
  const client = 'post' in nodes ? nodes : harnessClient(nodes.a, nodes.b);
  const { post } = client;
  const batchId = `${FEDERATION_PRODUCT}-${options.lot}`;
  const parent = (cdc: string): object => (options.clinicsUnderCdcs ? { parentOrgCode: cdc } : {});
  await post('A', '/v1/organisations', 'regulator', { orgCode: ORGS.maker, name: 'Maker', kind: 'manufacturer', provinceCode: '320000' });
  await post('A', '/v1/organisations', 'regulator', { orgCode: ORGS.cdc, name: 'Sichuan CDC', kind: 'cdc', provinceCode: A });
  await post('A', '/v1/organisations', 'regulator', {
    orgCode: CLINIC_A,
    name: 'Chengdu clinic',
    kind: 'clinic',
    provinceCode: A,
    ...parent(ORGS.cdc),
  });
  await post('B', '/v1/organisations', 'regulator', { orgCode: CDC_B, name: 'Guangdong CDC', kind: 'cdc', provinceCode: B });
  await post('B', '/v1/organisations', 'regulator', {
    orgCode: ORGS.clinic,
    name: 'Shenzhen clinic',
    kind: 'clinic',
    provinceCode: B,
    ...parent(CDC_B),
  });
  await post('A', '/v1/products', 'maker', {
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
  await post('A', '/v1/batches', 'maker', {
    productCode: FEDERATION_PRODUCT,
    lotNumber: options.lot,
    producedOn: '2026-09-01',
    expiresOn: '2028-08-31',
    quantity: 100,
  });
  await post('A', `/v1/batches/${batchId}/release`, 'regulator', { certificateNo: 'C-9', decidedOn: '2026-09-05' });
  // A needs B's CDC (registered in B) before it can ship there.
  await until('B’s CDC known in A', () => client.knowsOrganisation('A', CDC_B));
  const receipt = {
    verification: { result: 'accepted', releaseCertificateChecked: true },
    temperatureLog: { deviceId: 'TL-9', readings: [{ at: daysAgo(46), celsius: 5 }] },
  };
  const dispatch = (node: 'A' | 'B', as: Party, toSite: string, note: string, quantity: number) =>
    post(node, '/v1/shipments', as, {
      toSite,
      dispatchedAt: daysAgo(note.endsWith('1') ? 50 : 45),
      deliveryNoteNo: note,
      lines: [{ batchId, quantity }],
    });
  const receiptOf = (accepted: number, at: number): object => ({
    ...receipt,
    receivedAt: daysAgo(at),
    lines: [{ batchId, accepted, rejected: 0 }],
  });
  const toB = await dispatch('A', 'maker', CDC_B, 'DN-B1', 40);
  const toA = await dispatch('A', 'maker', ORGS.cdc, 'DN-A1', 40);
  // B receives once A's dispatch has reached it (peer to peer, or through the hub).
  const knowsShipment = client.knowsShipment?.bind(client);
  if (knowsShipment) {
    await until('the dispatch in B', () => knowsShipment('B', String(toB.id)));
    await post('B', `/v1/shipments/${String(toB.id)}/receipt`, 'cdcB', receiptOf(40, 46));
  } else
    await until('the dispatch in B, and its receipt', async () =>
      post('B', `/v1/shipments/${String(toB.id)}/receipt`, 'cdcB', receiptOf(40, 46)).then(
        () => true,
        () => false,
      ),
    );
  await post('A', `/v1/shipments/${String(toA.id)}/receipt`, 'cdcA', receiptOf(40, 46));
  await post('A', `/v1/shipments/${String((await dispatch('A', 'cdcA', CLINIC_A, 'DN-A2', 10)).id)}/receipt`, 'clinicA', receiptOf(10, 44));
  // B's CDC sends on a batch made in A: B refuses that (BATCH_NOT_RELEASED) until A's lot release
  // has reached it. Sync keeps each stream's order, not the order across streams, so the
  // dispatch B received may arrive before the release.
  const knowsRelease = client.knowsRelease?.bind(client);
  let toClinicB: Record<string, unknown> | undefined;
  if (knowsRelease) {
    await until('the lot release in B', () => knowsRelease('B', batchId));
    toClinicB = await dispatch('B', 'cdcB', ORGS.clinic, 'DN-B2', 10);
  } else
    await until('the lot release in B, and B’s dispatch', async () =>
      dispatch('B', 'cdcB', ORGS.clinic, 'DN-B2', 10).then(
        (answer) => ((toClinicB = answer), true),
        () => false,
      ),
    );
  await post('B', `/v1/shipments/${String(toClinicB!.id)}/receipt`, 'clinicB', receiptOf(10, 44));
  return { batchId };
};

/** The maker's recall of the scenario's lot (quality defect, stop use, notify the persons dosed). */
export const recallOf = (batchId: string): object => ({
  batchIds: [batchId],
  kind: 'recall',
  level: 1,
  initiation: 'voluntary',
  reasonCode: 'quality_defect',
  reasonText: 'potency',
  effectiveAt: daysAgo(0),
  actions: ['stop_use'],
  personFollowUp: 'notify',
});

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
