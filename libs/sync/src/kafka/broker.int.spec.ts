// What sync relies on from Kafka, checked against the real broker that the global setup starts
// (deploy/local/kafka) through the client the product uses (kafkajs): topics can be created,
// an idempotent producer is accepted, a consumer group sees every message of a key in the
// order it was sent, and committed offsets outlive the consumer that committed them (which is
// what lets a restarted sync worker resume instead of re-importing or skipping).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';

jest.setTimeout(60_000);

const STREAMS = 10;
const EVENTS_PER_STREAM = 10;
const TOTAL = STREAMS * EVENTS_PER_STREAM;

interface Received {
  readonly key: string;
  readonly seq: number;
  readonly partition: number;
  readonly producerId: string | undefined;
}

const brokers = (): string[] => {
  const list = process.env.TEST_KAFKA_BROKERS;
  if (!list) throw new Error('TEST_KAFKA_BROKERS is not set: the global setup starts the broker');
  return list.split(',');
};

// kafkajs keeps the record batch header (producer id, sequence) on each decoded message at
// run time without typing it; an idempotent producer's batches carry a producer id >= 0.
const producerIdOf = (message: KafkaMessage): string | undefined => {
  const context = (message as { batchContext?: { producerId?: unknown } }).batchContext;
  return typeof context?.producerId === 'string' ? context.producerId : undefined;
};

const waitUntil = async (what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('the local Kafka broker, driven through kafkajs', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `vx-int-broker-${run}`;
  const groupId = `vx-int-broker-group-${run}`;
  const kafka = new Kafka({
    clientId: `vx-int-broker-${run}`,
    brokers: brokers(),
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  const newConsumer = async (): Promise<Consumer> => {
    // A short fetch long-poll: stopping a consumer waits for the fetch in flight.
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 250,
    });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return consumer;
  };

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  });

  afterAll(async () => {
    for (const consumer of consumers) await consumer.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('creates a topic with three partitions', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });

    expect(created).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('accepts 100 keyed messages from an idempotent producer', async () => {
    // Ten streams, ten events each, interleaved the way a relay would read them from the log.
    for (let seq = 0; seq < EVENTS_PER_STREAM; seq += 1) {
      const metadata = await producer.send({
        topic,
        messages: Array.from({ length: STREAMS }, (_, stream) => ({
          key: `stream-${stream}`,
          value: JSON.stringify({ stream, seq }),
        })),
      });
      expect(metadata.every((m) => m.errorCode === 0)).toBe(true);
    }

    const offsets = await admin.fetchTopicOffsets(topic);
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    expect(total).toBe(TOTAL);
  });

  it('delivers all 100 to a consumer group, each key in the order it was sent', async () => {
    const received: Received[] = [];
    const consumer = await newConsumer();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const { stream, seq } = JSON.parse(message.value?.toString() ?? '{}') as {
          stream: number;
          seq: number;
        };
        // Commit once the message is handled, as the inbox will after its transaction; a
        // message counts as received only when its commit has been acknowledged.
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        received.push({ key: `stream-${stream}`, seq, partition, producerId: producerIdOf(message) });
      },
    });
    await waitUntil(`${TOTAL} messages`, () => received.length >= TOTAL);
    await consumer.stop();

    expect(received).toHaveLength(TOTAL);
    for (let stream = 0; stream < STREAMS; stream += 1) {
      const ofStream = received.filter((r) => r.key === `stream-${stream}`);
      expect(ofStream.map((r) => r.seq)).toEqual([...Array(EVENTS_PER_STREAM).keys()]);
      expect(new Set(ofStream.map((r) => r.partition)).size).toBe(1);
    }
    expect(received.every((r) => r.producerId !== undefined && r.producerId !== '-1')).toBe(true);
  });

  it('keeps committed offsets when the consumer restarts: nothing old is read again', async () => {
    // Every partition's committed offset is its end (a partition no key hashed to has no
    // commit, reported as -1, and nothing to read).
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committedByPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    expect(ends.map((p) => [p.partition, committedByPartition.get(p.partition) ?? 0])).toEqual(
      ends.map((p) => [p.partition, Number(p.high)]),
    );
    await consumers.shift()?.disconnect();

    const again: Received[] = [];
    const restarted = await newConsumer();
    let joined = false;
    restarted.on(restarted.events.GROUP_JOIN, () => {
      joined = true;
    });
    await restarted.run({
      eachMessage: async ({ partition, message }) => {
        const { stream, seq } = JSON.parse(message.value?.toString() ?? '{}') as {
          stream: number;
          seq: number;
        };
        again.push({ key: `stream-${stream}`, seq, partition, producerId: producerIdOf(message) });
      },
    });
    await waitUntil('the restarted consumer to join the group', () => joined);

    // A fresh message proves the restarted consumer is really fetching, so the absence of the
    // old 100 means they were skipped by the committed offsets, not merely not yet fetched.
    await producer.send({
      topic,
      messages: [{ key: 'stream-0', value: JSON.stringify({ stream: 0, seq: EVENTS_PER_STREAM }) }],
    });
    await waitUntil('the message sent after the restart', () => again.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for any stray redelivery

    expect(again.map((r) => `${r.key}#${r.seq}`)).toEqual([`stream-0#${EVENTS_PER_STREAM}`]);
  });
});
