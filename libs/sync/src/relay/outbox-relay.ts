import { isLocalOnlyStream } from '@vaxledger/domain';
import type { EventStore, RecordedEvent, Subscription } from '@vaxledger/event-store';
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeEnvelope, sealEnvelope, type WireEnvelope } from '../envelope/envelope.codec';
import { envelopeContentOf } from '../envelope/event-mapping';
import type { EnvelopeSigner } from '../signing/envelope-signing';
import type { SyncStore } from '../sync-store';
import { retryWhileSettling } from '../kafka/retry';
import { eventsTopic } from '../topics';

export interface RelayOptions {
  readonly provinceCode: string;
  readonly topicPrefix?: string;
  readonly batchSize?: number;
  readonly onError?: (error: unknown) => void;
  readonly onPublished?: (count: number) => void;
  /** Signs every envelope published (receivers with a trust list refuse unsigned ones). */
  readonly signer?: EnvelopeSigner;
}

/**
 * The outbox is the local log itself. The relay reads it from its checkpoint, publishes the
 * events this province owns to its topic (keyed by stream id, so one stream's events stay
 * in order on one partition) with an idempotent producer, and moves the checkpoint only
 * after Kafka acknowledged. A crash between the two publishes again: duplicates on the
 * wire, which receivers drop by event id.
 */
export class OutboxRelay {
  private producer: Producer | null = null;
  private subscription: Subscription | null = null;
  private published = 0;
  readonly topic: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly syncStore: SyncStore,
    private readonly options: RelayOptions,
  ) {
    this.topic = eventsTopic(options.provinceCode, options.topicPrefix);
  }

  get publishedCount(): number {
    return this.published;
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await retryWhileSettling('creating the relay topic', () =>
        admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 3 }], waitForLeaders: true }),
      );
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await this.producer.connect();
    const after = await this.syncStore.relayCheckpoint(this.topic);
    this.subscription = this.store.subscribe({
      after,
      batchSize: this.options.batchSize ?? 500,
      onEvents: (events) => this.publish(events),
      ...(this.options.onError ? { onError: this.options.onError } : {}),
    });
  }

  /** Publishes one batch and then records how far the log was relayed. */
  async publish(events: readonly RecordedEvent[]): Promise<void> {
    const own = events.filter((e) => this.owns(e));
    if (own.length > 0) {
      if (!this.producer) throw new Error('relay not started');
      await this.producer.send({ topic: this.topic, acks: -1, messages: own.map((event) => this.messageOf(event)) });
      this.published += own.length;
      this.options.onPublished?.(own.length);
    }
    await this.syncStore.saveRelayCheckpoint(this.topic, events[events.length - 1]!.position);
  }

  /**
   * Publishes events of this province again without touching the checkpoint: the answer to
   * a history request (receivers that hold them already drop them by event id).
   */
  async republish(events: readonly RecordedEvent[]): Promise<number> {
    const own = events.filter((e) => this.owns(e));
    if (own.length === 0) return 0;
    if (!this.producer) throw new Error('relay not started');
    await this.producer.send({ topic: this.topic, acks: -1, messages: own.map((event) => this.messageOf(event)) });
    return own.length;
  }

  /** Events this province publishes: its own, except the access trail, which never leaves the node. */
  private owns(event: RecordedEvent): boolean {
    return (event.metadata.originProvince ?? this.options.provinceCode) === this.options.provinceCode && !isLocalOnlyStream(event.streamId);
  }

  private messageOf(event: RecordedEvent): Message {
    return {
      key: event.streamId,
      value: encodeEnvelope(this.envelopeOf(event)),
      headers: {
        'event-type': event.type,
        ...(event.metadata.correlationId ? { 'correlation-id': event.metadata.correlationId } : {}),
      },
    };
  }

  private envelopeOf(event: RecordedEvent): WireEnvelope {
    const sealed = sealEnvelope(envelopeContentOf(event, this.options.provinceCode));
    return this.options.signer ? this.options.signer.sign(sealed) : sealed;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = null;
    await this.producer?.disconnect();
    this.producer = null;
  }
}
