import { randomUUID } from 'node:crypto';
import { eventsTopic } from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import { type ApiHarness } from '../support/api-harness';
import { A, type FederationNodes, startPeers } from '../support/federation-scenario';
import { until } from '../support/until';

// Peer mode: B asks its partner A directly for a person's history. A publishes the person's
// stream again and answers with its count, so B can say its copy is complete.

const PERSON = 'p1peerhistoryaaaaaaaaaaaaaaa';

describe('history pull between peers', () => {
  let nodes: FederationNodes;
  let a: ApiHarness;
  let b: ApiHarness;
  let kafka: Kafka;
  let prefix = '';

  beforeAll(async () => {
    const brokers = process.env.TEST_KAFKA_BROKERS;
    if (!brokers) throw new Error('TEST_KAFKA_BROKERS is not set: the global set-up starts a broker');
    kafka = new Kafka({ clientId: 'vx-peer-history-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    nodes = await startPeers('vxpeer');
    ({ a, b, prefix } = nodes);
  }, 120_000);
  afterAll(async () => {
    await nodes?.close();
  }, 60_000);

  const messagesOnTopicOfA = async (): Promise<number> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(eventsTopic(A, prefix))).reduce((n, p) => n + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  };

  it('republishes the person’s stream in A and reports B’s copy complete up to A’s newest event', async () => {
    const stream = `person-${A}-${PERSON}`;
    await a.runtime.store.append(
      stream,
      [1, 2].map((doseNumber) => ({
        eventId: randomUUID(),
        type: 'DoseAdministered',
        schemaVersion: 1,
        data: { personId: PERSON, doseNumber, vaccineType: 'HepB', batchId: '8696321-L1', siteCode: '12510000MB0A1234XJ' },
        metadata: { originProvince: A, actor: { orgCode: '12510000MB0A1234XJ', role: 'clinic', provinceCode: A } },
      })),
      { expected: 'no-stream' },
    );
    await until('A’s two events in B', async () => (await b.runtime.store.readStream(stream)).length === 2);
    await until('A’s relay to publish them', async () => (await messagesOnTopicOfA()) >= 2);
    const before = await messagesOnTopicOfA();
    const lag = (): Map<string, string | null> => new Map(b.runtime.sync!.inbox.lag().map((l) => [l.origin, l.upTo]));
    expect(await b.runtime.sync!.history.completeness(PERSON, lag())).toEqual({ historyRequestedAt: null, origins: [] });

    expect(await b.runtime.sync!.history.request(PERSON)).toBe(true);
    expect(await b.runtime.sync!.history.request(PERSON)).toBe(false); // once per person
    await until('A’s answer in B', async () => (await b.runtime.sync!.history.completeness(PERSON, lag())).origins[0]?.announced === 2);
    const newest = (await a.runtime.store.readStream(stream))[1]!.recordedAt.toISOString();
    expect(await b.runtime.sync!.history.completeness(PERSON, lag())).toEqual({
      historyRequestedAt: expect.any(String),
      origins: [{ origin: A, held: 2, announced: 2, completeUpTo: newest }],
    });
    // A published the stream again; B still holds each event once.
    expect(await messagesOnTopicOfA()).toBe(before + 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(await b.runtime.store.readStream(stream)).toHaveLength(2);
  }, 120_000);
});
