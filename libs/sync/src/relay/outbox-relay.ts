import { isLocalOnlyStream } from '@vaxledger/domain';
import type { EventStore, RecordedEvent, Subscription } from '@vaxledger/event-store';
import { Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeEnvelope, sealEnvelope, type WireEnvelope } from '../envelope/envelope.codec';
import { envelopeContentOf } from '../envelope/event-mapping';
import type { EnvelopeSigner } from '../signing/envelope-signing';
import { LinkState, type LinkStatus } from '../health/link-state';
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

/** This province's events in the log that Kafka has not acknowledged yet (past the relay's checkpoint). */
export interface RelayBacklog {
  /** Own events not yet published (exact up to the read limit, then `eventsAtLeast`). */
  readonly events: number;
  readonly eventsAtLeast?: true;
  /** When the oldest of them was recorded (RFC 3339); null when there are none. */
  readonly oldestRecordedAt: string | null;
  /** Its age in seconds (grows while nothing is published); 0 when there are none. */
  readonly seconds: number;
}

/** Events read past the checkpoint to measure the backlog; beyond that it reads "at least". */
const BACKLOG_READ_LIMIT = 1000;
/** A send unacknowledged for this long is the broker's silence, not a slow batch. */
export const RELAY_SEND_SLOW_MS = 10_000;

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
  /** The last log position Kafka acknowledged (the saved checkpoint); null before start. */
  private checkpoint: bigint | null = null;
  private lastPublishedMs: number | null = null;
  /** When the send under way began (kafkajs retries inside it while the broker is away); null when none. */
  private sendingSinceMs: number | null = null;
  private readonly link: LinkState;
  readonly topic: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly syncStore: SyncStore,
    private readonly options: RelayOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.topic = eventsTopic(options.provinceCode, options.topicPrefix);
    this.link = new LinkState(now);
  }

  get publishedCount(): number {
    return this.published;
  }

  /**
   * The producer's standing with the broker, and when this relay last published. A send still
   * waiting for its acknowledgement after RELAY_SEND_SLOW_MS (kafkajs retrying inside it) reads
   * as `retrying` since it began, before it fails.
   */
  status(): LinkStatus & { lastPublishedAt: string | null } {
    const lastPublishedAt = this.lastPublishedMs === null ? null : new Date(this.lastPublishedMs).toISOString();
    const status = this.link.status();
    const sending = this.sendingSinceMs === null ? 0 : this.now() - this.sendingSinceMs;
    if (status.state === 'connected' && sending > RELAY_SEND_SLOW_MS)
      return {
        ...status,
        state: 'retrying',
        since: new Date(this.sendingSinceMs!).toISOString(),
        lastError: `a send has waited ${Math.round(sending / 1000)} s for the broker`,
        lastPublishedAt,
      };
    return { ...status, lastPublishedAt };
  }

  /**
   * Own events past the checkpoint, read from the log (one bounded read; nothing when the
   * relay is current). Null before start.
   */
  async backlog(): Promise<RelayBacklog | null> {
    if (this.checkpoint === null) return null;
    const events = await this.store.readAll({ after: this.checkpoint, limit: BACKLOG_READ_LIMIT });
    const own = events.filter((e) => this.owns(e));
    const oldest = own[0]?.recordedAt ?? null;
    return {
      events: own.length,
      ...(events.length >= BACKLOG_READ_LIMIT ? { eventsAtLeast: true as const } : {}),
      oldestRecordedAt: oldest ? oldest.toISOString() : null,
      seconds: oldest ? Math.max(0, (this.now() - oldest.getTime()) / 1000) : 0,
    };
  }

  async start(): Promise<void> {
    this.link.starting();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await retryWhileSettling('creating the relay topic', () =>
        admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 3 }], waitForLeaders: true }),
      );
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
    this.link.contact();
    const after = await this.syncStore.relayCheckpoint(this.topic);
    this.checkpoint = after;
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
      this.sendingSinceMs = this.now();
      try {
        await this.producer.send({ topic: this.topic, acks: -1, messages: own.map((event) => this.messageOf(event)) });
      } catch (error) {
        // The log subscription retries the batch (with back-off): say so until a send works.
        this.link.fail('retrying', error);
        throw error;
      } finally {
        this.sendingSinceMs = null;
      }
      this.link.contact();
      this.lastPublishedMs = this.now();
      this.published += own.length;
      this.options.onPublished?.(own.length);
    }
    const position = events[events.length - 1]!.position;
    await this.syncStore.saveRelayCheckpoint(this.topic, position);
    if (this.checkpoint === null || position > this.checkpoint) this.checkpoint = position;
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
    this.link.stopped();
  }
}
