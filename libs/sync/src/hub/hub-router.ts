import { Partitioners } from 'kafkajs';
import type { Consumer, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { decodeEnvelope } from '../envelope/envelope.codec';
import { CONSUMER_FETCH_MAX_WAIT_MS, ConsumerLinkTracker } from '../health/consumer-link-tracker';
import type { LinkStatus } from '../health/link-state';
import { ensureTopics } from '../kafka/ensure-topics';
import { retryWhileSettling } from '../kafka/retry';
import type { SyncStore } from '../sync-store';
import { controlTopic, eventsTopic, forwardTopic, HUB_PROVINCE, provinceOfTopic } from '../topics';
import { forwardTargets, routeOf } from './routing';
import { historyRequest } from '../history/control-messages';

/** AEFI events say in their payload where they must go; other streams route by id alone. */
const aefiPayload = (streamId: string, payload: Uint8Array): unknown => {
  if (!streamId.startsWith('aefi-')) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
  } catch {
    return undefined; // a payload that is not JSON routes nowhere; the inbox dead-letters it
  }
};

export interface HubRouterOptions {
  /** The provinces this hub serves (their `events.` topics are read, their `forward.` topics written). */
  readonly served: readonly string[];
  readonly topicPrefix?: string;
  readonly groupId?: string;
  readonly onError?: (error: unknown) => void;
}

/**
 * The national hub's switchboard (SYNC_MODE=hub on the 000000 node). It reads every served
 * province's topic, keeps the person index (which provinces served or asked for a person)
 * and forwards each message, byte for byte, so the origin's signature still verifies, to
 * the provinces it concerns (see routing.ts). Forwards are acknowledged by Kafka before the
 * offsets move: a crash forwards again, and receivers drop the duplicates by event id.
 *
 * Importing the same topics into the hub's own log is the inbox consumer's job, in its own
 * consumer group; this class never writes the log.
 */
export class HubRouter {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private forwarded = 0;
  /** The router's consumer with the broker, for `/health` and `/metrics`. */
  private readonly link: ConsumerLinkTracker;

  constructor(
    private readonly kafka: Kafka,
    private readonly syncStore: SyncStore,
    private readonly options: HubRouterOptions,
    now: () => number = Date.now,
  ) {
    this.link = new ConsumerLinkTracker(now);
  }

  get forwardedCount(): number {
    return this.forwarded;
  }

  /** The router's standing with the broker, as the inbox's (a stalled router stops every forward). */
  status(silentAfterSeconds?: number): LinkStatus {
    return this.link.status(silentAfterSeconds);
  }

  /** True once start() was called. */
  get started(): boolean {
    return this.link.started;
  }

  async start(): Promise<void> {
    this.link.start();
    const prefix = this.options.topicPrefix;
    const served = this.options.served;
    await ensureTopics(this.kafka, 'creating the hub topics', [
      ...served.flatMap((p) => [
        { topic: eventsTopic(p, prefix), numPartitions: 3 },
        { topic: forwardTopic(p, prefix), numPartitions: 3 },
        { topic: controlTopic(p, prefix), numPartitions: 1 },
      ]),
      { topic: controlTopic(HUB_PROVINCE, prefix), numPartitions: 1 },
    ]);
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: this.options.groupId ?? `${prefix ?? 'vaxledger'}-hub-router`,
      retry: { retries: 1_000_000 },
      // An idle router hears from the broker every second, so a silence means the broker is away.
      maxWaitTimeInMs: CONSUMER_FETCH_MAX_WAIT_MS,
    });
    this.link.watch(this.consumer);
    await this.consumer.connect();
    await retryWhileSettling('subscribing the hub router', () =>
      this.consumer!.subscribe({ topics: served.map((p) => eventsTopic(p, prefix)), fromBeginning: true }),
    );
    await this.consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        this.link.contact();
        try {
          await this.handleBatch(batch.topic, batch.messages);
        } catch (error) {
          this.link.handlerFailed(error);
          this.options.onError?.(error);
          throw error;
        }
        this.link.handlerSucceeded();
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await heartbeat();
      },
    });
  }

  /** Routes one partition's batch: index first, then forward in order, then any history requests. */
  async handleBatch(topic: string, messages: readonly KafkaMessage[]): Promise<void> {
    const origin = provinceOfTopic(topic);
    if (origin === null) return;
    const prefix = this.options.topicPrefix;
    const forwards: { topic: string; messages: Message[] }[] = [];
    const requests: Message[][] = [];
    const requestTopics: string[] = [];
    const push = (target: string, message: Message): void => {
      const t = forwardTopic(target, prefix);
      const last = forwards[forwards.length - 1];
      if (last && last.topic === t) last.messages.push(message);
      else forwards.push({ topic: t, messages: [message] });
    };
    for (const message of messages) {
      if (!message.value) continue;
      const decoded = decodeEnvelope(message.value);
      // Malformed or forged messages are the inbox's to dead-letter; the hub does not pass them on.
      if (!decoded.ok || decoded.envelope.originProvince !== origin) continue;
      const envelope = decoded.envelope;
      const route = routeOf(envelope.streamId, aefiPayload(envelope.streamId, envelope.payload));
      let interested: string[] = [];
      if (route.kind === 'person') {
        const { added, holders } = await this.syncStore.addInterest(route.personId, origin, true);
        // A province serving a person for the first time gets the history others hold.
        if (added)
          for (const holder of holders) {
            requests.push([historyRequest(route.personId, origin)]);
            requestTopics.push(controlTopic(holder, prefix));
          }
        interested = (await this.syncStore.interested(route.personId)).map((i) => i.province);
      }
      for (const target of forwardTargets(route, origin, this.options.served, interested))
        push(target, { key: message.key, value: message.value, headers: { ...message.headers, 'forwarded-by': HUB_PROVINCE } });
    }
    if (forwards.length > 0) {
      await this.producer!.sendBatch({ topicMessages: forwards, acks: -1 });
      this.forwarded += forwards.reduce((n, f) => n + f.messages.length, 0);
    }
    if (requests.length > 0)
      await this.producer!.sendBatch({ topicMessages: requests.map((m, i) => ({ topic: requestTopics[i]!, messages: m })), acks: -1 });
  }

  /**
   * A province asks for a person's history: note its interest (from now on it receives the
   * person's events), pass the request to every province holding the person's streams, and
   * tell the requester whom to expect answers from.
   */
  async onHistoryRequest(personId: string, requester: string): Promise<{ holders: string[] }> {
    const { holders } = await this.syncStore.addInterest(personId, requester, false);
    const messages = holders.map((holder) => ({
      topic: controlTopic(holder, this.options.topicPrefix),
      messages: [historyRequest(personId, requester)],
    }));
    if (messages.length > 0) await this.producer!.sendBatch({ topicMessages: messages, acks: -1 });
    return { holders };
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = null;
    this.producer = null;
    this.link.stopped();
  }
}
