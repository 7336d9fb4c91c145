import { personStream } from '@vaxledger/domain';
import type { EventStore } from '@vaxledger/event-store';
import { Partitioners } from 'kafkajs';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { CONSUMER_FETCH_MAX_WAIT_MS, ConsumerLinkTracker } from '../health/consumer-link-tracker';
import type { LinkStatus } from '../health/link-state';
import type { HubRouter } from '../hub/hub-router';
import { ensureTopics } from '../kafka/ensure-topics';
import { retryWhileSettling } from '../kafka/retry';
import type { OutboxRelay } from '../relay/outbox-relay';
import type { SyncStore } from '../sync-store';
import { consumerGroupId, controlTopic, HUB_PROVINCE } from '../topics';
import { historyAnswer, historyRequest, parseControlMessage } from './control-messages';

export interface HistoryOptions {
  readonly provinceCode: string;
  /** `peer`: ask the partners directly; `via-hub`: ask the national hub; `hub`: this is the hub. */
  readonly mode: 'peer' | 'via-hub' | 'hub';
  readonly peers: readonly string[];
  readonly topicPrefix?: string;
  readonly groupId?: string;
  readonly onError?: (error: unknown) => void;
}

export interface OriginCompleteness {
  readonly origin: string;
  /** Events of the person this node holds from that origin. */
  readonly held: number;
  /** What the origin said it holds, once it answered the history request. */
  readonly announced: number | null;
  /**
   * The origin's recorded time up to which this node holds all of the person's events from
   * it; null while its answer or its events are still on the way.
   */
  readonly completeUpTo: string | null;
}

export interface PersonCompleteness {
  readonly historyRequestedAt: string | null;
  readonly origins: readonly OriginCompleteness[];
}

/**
 * Records from elsewhere, on demand: when a node first meets a person it asks for the
 * person's history (from its partners in peer mode, through the hub otherwise). A province
 * that holds the person publishes the person's stream again on its own topic and answers
 * with a count, so the requester can tell a complete record from one still arriving. In hub
 * mode the request also enrols the requester in the hub's person index, so the person's
 * later doses reach it without asking again.
 */
export class HistoryService {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private ignored = 0;
  /** The control topic's consumer with the broker, for `/health` and `/metrics`. */
  private readonly link: ConsumerLinkTracker;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly syncStore: SyncStore,
    private readonly relay: OutboxRelay,
    private readonly options: HistoryOptions,
    private readonly hub: HubRouter | null = null,
    now: () => number = Date.now,
  ) {
    this.link = new ConsumerLinkTracker(now);
  }

  get ignoredCount(): number {
    return this.ignored;
  }

  /** The control consumer's standing with the broker, as the inbox's (history requests and answers wait on it). */
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
    const own = controlTopic(this.options.provinceCode, prefix);
    await ensureTopics(
      this.kafka,
      'creating the control topics',
      [own, ...this.targets()].map((topic) => ({ topic, numPartitions: 1 })),
    );
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: this.options.groupId ?? consumerGroupId('history', this.options.provinceCode, this.options.topicPrefix),
      retry: { retries: 1_000_000 },
      // An idle control consumer hears from the broker every second, so a silence means the broker is away.
      maxWaitTimeInMs: CONSUMER_FETCH_MAX_WAIT_MS,
    });
    this.link.watch(this.consumer);
    await this.consumer.connect();
    await retryWhileSettling('subscribing to the control topic', () => this.consumer!.subscribe({ topics: [own], fromBeginning: true }));
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.link.contact();
        try {
          await this.handle(message.value);
        } catch (error) {
          this.link.handlerFailed(error);
          this.options.onError?.(error);
          throw error;
        }
        this.link.handlerSucceeded();
      },
    });
  }

  private targets(): string[] {
    const prefix = this.options.topicPrefix;
    if (this.options.mode === 'via-hub') return [controlTopic(HUB_PROVINCE, prefix)];
    if (this.options.mode === 'peer')
      return this.options.peers.filter((p) => p !== this.options.provinceCode).map((p) => controlTopic(p, prefix));
    return [];
  }

  /**
   * Asks for a person's history, once per person (later calls are no-ops). Returns whether a
   * request went out. The hub asks nobody: it already reads every province.
   */
  async request(personId: string): Promise<boolean> {
    if (this.options.mode === 'hub' || !this.producer) return false;
    if (!(await this.syncStore.markHistoryRequested(personId))) return false;
    try {
      await this.producer.sendBatch({
        topicMessages: this.targets().map((topic) => ({ topic, messages: [historyRequest(personId, this.options.provinceCode)] })),
        acks: -1,
      });
      return true;
    } catch (error) {
      // Not sent: let the next lookup ask again.
      await this.syncStore.forgetHistoryRequest(personId);
      throw error;
    }
  }

  async handle(bytes: Buffer | null): Promise<void> {
    const message = parseControlMessage(bytes);
    if (!message) {
      this.ignored++;
      return;
    }
    if (message.kind === 'history-answer') {
      await this.syncStore.saveHistoryAnswer({
        personId: message.personId,
        responder: message.responder,
        eventCount: message.eventCount,
        upTo: message.upTo,
        holders: message.holders ?? null,
      });
      return;
    }
    if (message.requester === this.options.provinceCode) return;
    const reply = controlTopic(message.requester, this.options.topicPrefix);
    if (this.hub) {
      const { holders } = await this.hub.onHistoryRequest(message.personId, message.requester);
      await this.producer!.send({
        topic: reply,
        acks: -1,
        messages: [historyAnswer({ personId: message.personId, responder: HUB_PROVINCE, eventCount: 0, upTo: null, holders })],
      });
      return;
    }
    // A province: publish the person's stream again (its own, the only one it may publish).
    const events = await this.store.readStream(personStream(this.options.provinceCode, message.personId));
    await this.relay.republish(events);
    const last = events[events.length - 1];
    await this.producer!.send({
      topic: reply,
      acks: -1,
      messages: [
        historyAnswer({
          personId: message.personId,
          responder: this.options.provinceCode,
          eventCount: events.length,
          upTo: last ? last.recordedAt.toISOString() : null,
        }),
      ],
    });
  }

  /**
   * Per origin, how complete this node's copy of a person's record is. `liveUpTo` is the
   * inbox's per-origin progress (the recorded time of the newest event imported from it).
   */
  async completeness(personId: string, liveUpTo: ReadonlyMap<string, string | null>): Promise<PersonCompleteness> {
    const { requestedAt, answers } = await this.syncStore.history(personId);
    const hubAnswer = answers.find((a) => a.responder === HUB_PROVINCE);
    const expected = new Set<string>([
      ...answers.filter((a) => a.responder !== HUB_PROVINCE).map((a) => a.responder),
      ...(hubAnswer?.holders ?? []),
      ...(this.options.mode === 'peer' && requestedAt ? this.options.peers : []),
    ]);
    expected.delete(this.options.provinceCode);
    const origins: OriginCompleteness[] = [];
    for (const origin of [...expected].sort()) {
      const held = (await this.store.readStream(personStream(origin, personId))).length;
      const answer = answers.find((a) => a.responder === origin);
      const complete = answer !== undefined && held >= answer.eventCount;
      const live = liveUpTo.get(origin) ?? null;
      const upTo = answer?.upTo && live ? (answer.upTo > live ? answer.upTo : live) : (answer?.upTo ?? live);
      origins.push({
        origin,
        held,
        announced: answer?.eventCount ?? null,
        completeUpTo: complete ? (upTo ?? answer.answeredAt.toISOString()) : null,
      });
    }
    return { historyRequestedAt: requestedAt?.toISOString() ?? null, origins };
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = null;
    this.producer = null;
    this.link.stopped();
  }
}
