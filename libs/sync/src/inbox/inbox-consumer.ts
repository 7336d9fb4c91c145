import { LEDGER_EVENT_TYPES } from '@vaxledger/domain';
import { CHECKPOINT_EVENT_TYPE, type EventStore, EventIdConflictError, StreamConflictError } from '@vaxledger/event-store';
import { CHECKPOINT_MISMATCH, CheckpointScreen } from '../checkpoint/checkpoint-screen';
import { Partitioners } from 'kafkajs';
import type { Consumer, EachMessagePayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { decodeEnvelope, type WireEnvelope } from '../envelope/envelope.codec';
import { importedEventOf } from '../envelope/event-mapping';
import type { TrustList } from '../signing/envelope-signing';
import { CONSUMER_FETCH_MAX_WAIT_MS } from '../health/consumer-link-tracker';
import { InboxLinkTracker, type OriginLag } from '../health/inbox-link-tracker';
import type { LinkStatus } from '../health/link-state';
import type { SyncStore } from '../sync-store';
import { retryWhileSettling } from '../kafka/retry';
import { consumerGroupId, deadLetterTopic, eventsTopic, provinceOfTopic } from '../topics';

export interface InboxOptions {
  readonly provinceCode: string;
  /** Provinces whose events this node takes in (their `events.` topics, unless `topics` is given). */
  readonly origins: readonly string[];
  /** Topics to consume instead of the origins' own (hub and direct modes: the hub's `forward.<me>`). */
  readonly topics?: readonly string[];
  readonly topicPrefix?: string;
  readonly groupId?: string;
  readonly onDeadLetter?: (reason: string) => void;
  /** Messages taken from Kafka, per batch (redeliveries included). */
  readonly onReceived?: (count: number) => void;
  readonly onImported?: (envelope: WireEnvelope) => void;
  readonly onError?: (error: unknown) => void;
  /** Set: every envelope must carry a valid signature of a key listed for its origin (else dead-lettered). */
  readonly trustList?: TrustList;
}

/** Schema versions this build understands, per event type. */
const KNOWN_VERSIONS: ReadonlyMap<string, number> = new Map([...LEDGER_EVENT_TYPES, CHECKPOINT_EVENT_TYPE].map((type) => [type, 1]));

type Verdict =
  | { readonly ok: true; readonly envelope: WireEnvelope }
  | { readonly ok: false; readonly reason: string; readonly detail: string; readonly eventId?: string };

/** One stream's messages of a Kafka batch, in offset order. */
type ImportGroup = readonly { envelope: WireEnvelope; offset: string; bytes: Buffer }[];

/**
 * Imports other provinces' events as read-only copies. The local log's unique event id is
 * the inbox: an event delivered twice is a replay of the same append (nothing written), so
 * Kafka's at-least-once delivery becomes exactly-once in effect, through crashes on either
 * side. Offsets are committed only after the import. Anything that cannot be trusted or
 * understood goes to the dead-letter table and topic with its reason, and consumption
 * carries on.
 */
export class InboxConsumer {
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  /** Link state and per-origin lag, for `/health` and `/metrics`. */
  private readonly tracker: InboxLinkTracker;
  private imported = 0;
  private deadLettered = 0;
  private parked = 0;
  private readonly checkpoints: CheckpointScreen;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly syncStore: SyncStore,
    private readonly options: InboxOptions,
    now: () => number = Date.now,
  ) {
    this.checkpoints = new CheckpointScreen(store, syncStore, options.trustList);
    const ownTopics = options.topics === undefined;
    this.tracker = new InboxLinkTracker(
      {
        provinceCode: options.provinceCode,
        origins: options.origins,
        topics: this.topics(),
        topicOf: (origin) => (ownTopics ? eventsTopic(origin, options.topicPrefix) : null),
      },
      now,
    );
  }

  /**
   * The consumer's standing with the broker (see ConsumerLinkTracker.status): after
   * `silentAfterSeconds` of silence a connected inbox reads as `retrying`.
   */
  status(silentAfterSeconds?: number): LinkStatus {
    return this.tracker.status(silentAfterSeconds);
  }

  /** True once start() was called (a node with nothing to read never starts its inbox). */
  get started(): boolean {
    return this.tracker.started;
  }

  /** The topics this inbox reads. */
  private topics(): string[] {
    const origins = this.options.origins.filter((o) => o !== this.options.provinceCode);
    return [...(this.options.topics ?? origins.map((o) => eventsTopic(o, this.options.topicPrefix)))];
  }

  get importedCount(): number {
    return this.imported;
  }

  get deadLetteredCount(): number {
    return this.deadLettered;
  }

  /** Events parked and not yet imported, as of the last batch (see SyncStore.park). */
  get parkedCount(): number {
    return this.parked;
  }

  /** Per origin: the newest event imported from it, and how stale this node's copy may be now. */
  lag(): OriginLag[] {
    return this.tracker.lag();
  }

  async start(): Promise<void> {
    this.tracker.start();
    const topics = this.topics();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await retryWhileSettling('creating the sync topics', () =>
        admin.createTopics({
          topics: [
            ...topics.map((topic) => ({ topic, numPartitions: 3 })),
            { topic: deadLetterTopic(this.options.provinceCode, this.options.topicPrefix), numPartitions: 1 },
          ],
          waitForLeaders: true,
        }),
      );
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({
      groupId: this.options.groupId ?? consumerGroupId('sync', this.options.provinceCode, this.options.topicPrefix),
      retry: { retries: 1_000_000 },
      maxWaitTimeInMs: CONSUMER_FETCH_MAX_WAIT_MS,
    });
    this.tracker.watch(this.consumer);
    await this.consumer.connect();
    await retryWhileSettling('subscribing', () => this.consumer!.subscribe({ topics: [...topics], fromBeginning: true }));
    await this.consumer.run({
      // Partitions are independent (a stream lives on one), so they import side by side.
      partitionsConsumedConcurrently: 3,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        this.tracker.contact();
        try {
          await this.handleBatch(batch.topic, batch.partition, batch.messages);
        } catch (error) {
          this.tracker.handlerFailed(error);
          throw error;
        }
        this.tracker.handlerSucceeded();
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        this.tracker.batchDone(batch.topic, batch.partition, Number(batch.offsetLag()));
        await heartbeat();
      },
    });
  }

  /**
   * A batch of one partition: judge every message, set the bad ones aside, then append each
   * stream's consecutive events in one call (streams side by side). A batch that fails is
   * redelivered whole; what it already imported is a replay the second time.
   */
  async handleBatch(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    this.options.onReceived?.(messages.length);
    // Parked events may come from an earlier run or another consumer of this node: look once
    // per batch, so a stream's import pays for the parking lot only when it is not empty.
    this.parked = await this.syncStore.parkedCount();
    const byStream = new Map<string, { envelope: WireEnvelope; offset: string; bytes: Buffer }[]>();
    const accepted: { envelope: WireEnvelope; offset: string; bytes: Buffer }[] = [];
    for (const message of messages) {
      const bytes = message.value ?? Buffer.alloc(0);
      const verdict = await this.judge(topic, bytes);
      if (!verdict.ok) {
        await this.setAside(topic, partition, message.offset, verdict, bytes);
        continue;
      }
      accepted.push({ envelope: verdict.envelope, offset: message.offset, bytes });
    }
    // Against the origins' signed checkpoints (ADR 0019): a copy that disagrees is set aside.
    const mismatches = await this.checkpoints.screen(accepted.map((a) => a.envelope));
    for (const [index, item] of accepted.entries()) {
      const mismatch = mismatches.get(index);
      if (mismatch !== undefined) {
        const verdict = { ok: false as const, reason: CHECKPOINT_MISMATCH, detail: mismatch, eventId: item.envelope.eventId };
        await this.setAside(topic, partition, item.offset, verdict, item.bytes);
        continue;
      }
      const group = byStream.get(item.envelope.streamId) ?? [];
      group.push(item);
      byStream.set(item.envelope.streamId, group);
    }
    const groups = [...byStream.values()];
    // Where the store can, the streams of the batch are imported in a few transactions (one
    // commit each, not one per stream); a transaction that meets a conflict writes nothing and
    // its streams take the one-stream path below, which sorts conflicts out event by event.
    const slow = this.store.appendAll ? await this.importTogether(groups) : groups;
    const workers = Array.from({ length: Math.min(8, slow.length) }, async () => {
      for (let group = slow.shift(); group; group = slow.shift()) await this.importStream(topic, partition, group);
    });
    await Promise.all(workers);
  }

  /**
   * Imports whole stream runs (consecutive revisions) with `appendAll`, spread over up to four
   * transactions side by side. Returns the groups left for the one-stream path: runs with gaps,
   * and the groups of a transaction that met a conflict (rolled back whole).
   */
  private async importTogether(groups: readonly ImportGroup[]): Promise<ImportGroup[]> {
    const slow: ImportGroup[] = [];
    const runs: ImportGroup[] = [];
    for (const group of groups) {
      const first = group[0]!.envelope;
      if (group.every((g, i) => g.envelope.streamRevision === first.streamRevision + i)) runs.push(group);
      else slow.push(group);
    }
    const lanes = Math.min(4, Math.ceil(runs.length / 50));
    const shares = Array.from({ length: lanes }, (_, lane) => runs.filter((_, i) => i % lanes === lane));
    await Promise.all(
      shares.map(async (share) => {
        try {
          await this.store.appendAll!(
            share.map((group) => {
              const first = group[0]!.envelope;
              return {
                streamId: first.streamId,
                events: group.map((g) => importedEventOf(g.envelope)),
                options: { expected: first.streamRevision === 0 ? ('no-stream' as const) : first.streamRevision - 1 },
              };
            }),
          );
        } catch (error) {
          if (!(error instanceof EventIdConflictError) && !(error instanceof StreamConflictError)) throw error;
          slow.push(...share);
          return;
        }
        for (const group of share) {
          for (const g of group) this.noteImported(g.envelope);
          await this.drainParked(group[0]!.envelope.streamId, group[group.length - 1]!.envelope.streamRevision);
        }
      }),
    );
    return slow;
  }

  /** One message on its own (tests, and the slow path of a batch). */
  async handle({ topic, partition, message }: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>): Promise<void> {
    await this.handleBatch(topic, partition, [message]);
  }

  private async importStream(topic: string, partition: number, group: ImportGroup): Promise<void> {
    const first = group[0]!.envelope;
    const consecutive = group.every((g, i) => g.envelope.streamRevision === first.streamRevision + i);
    if (group.length > 1 && consecutive) {
      try {
        await this.store.append(
          first.streamId,
          group.map((g) => importedEventOf(g.envelope)),
          {
            expected: first.streamRevision === 0 ? 'no-stream' : first.streamRevision - 1,
          },
        );
        for (const g of group) this.noteImported(g.envelope);
        await this.drainParked(first.streamId, group[group.length - 1]!.envelope.streamRevision);
        return;
      } catch (error) {
        // Partly known already, or not where expected: sort it out one event at a time.
        if (!(error instanceof EventIdConflictError) && !(error instanceof StreamConflictError)) throw error;
      }
    }
    for (const g of group) await this.importOne(topic, partition, g.offset, g.envelope, g.bytes);
  }

  /** Imports the parked events that now follow the stream's last revision, in order. */
  private async drainParked(streamId: string, revision: number): Promise<void> {
    if (this.parked === 0) return;
    for (let next = await this.syncStore.parkedAfter(streamId, revision); next;) {
      const decoded = decodeEnvelope(next.bytes);
      if (!decoded.ok) break;
      const envelope = decoded.envelope;
      await this.store.append(envelope.streamId, [importedEventOf(envelope)], { expected: envelope.streamRevision - 1 });
      await this.syncStore.unpark(envelope.streamId, envelope.streamRevision);
      this.parked = Math.max(0, this.parked - 1);
      this.noteImported(envelope);
      next = await this.syncStore.parkedAfter(streamId, envelope.streamRevision);
    }
  }

  private noteImported(envelope: WireEnvelope): void {
    this.imported++;
    this.tracker.imported(envelope.originProvince, envelope.recordedAt);
    this.options.onImported?.(envelope);
  }

  private async importOne(topic: string, partition: number, offset: string, envelope: WireEnvelope, bytes: Buffer): Promise<void> {
    const message = { offset };
    try {
      await this.store.append(envelope.streamId, [importedEventOf(envelope)], {
        expected: envelope.streamRevision === 0 ? 'no-stream' : envelope.streamRevision - 1,
      });
    } catch (error) {
      if (error instanceof EventIdConflictError) {
        await this.setAside(
          topic,
          partition,
          message.offset,
          { ok: false, reason: 'KNOWN_ID_DIFFERENT_CONTENT', detail: error.message, eventId: envelope.eventId },
          bytes,
        );
        return;
      }
      if (error instanceof StreamConflictError) {
        if (error.actual === null || error.actual < envelope.streamRevision - 1) {
          // Earlier revisions are still on their way (a history pull, a late join): park it.
          await this.syncStore.park({
            streamId: envelope.streamId,
            revision: envelope.streamRevision,
            eventId: envelope.eventId,
            topic,
            bytes,
          });
          this.parked++;
          return;
        }
        await this.setAside(
          topic,
          partition,
          message.offset,
          {
            ok: false,
            reason: 'REVISION_TAKEN',
            detail: `revision ${envelope.streamRevision} of ${envelope.streamId} holds another event`,
            eventId: envelope.eventId,
          },
          bytes,
        );
        return;
      }
      this.options.onError?.(error);
      throw error;
    }
    this.noteImported(envelope);
    await this.drainParked(envelope.streamId, envelope.streamRevision);
  }

  private async judge(topic: string, bytes: Buffer): Promise<Verdict> {
    const decoded = decodeEnvelope(bytes);
    if (!decoded.ok) return { ok: false, reason: decoded.reason, detail: decoded.detail };
    const envelope = decoded.envelope;
    const fail = (reason: string, detail: string): Verdict => ({ ok: false, reason, detail, eventId: envelope.eventId });
    if (this.options.trustList) {
      // Before anything else is believed: origin, stream and content are only as good as the signature.
      const signature = this.options.trustList.verify(envelope);
      if (!signature.ok) return fail(signature.reason, signature.detail);
    }
    // An origin's own topic carries only its events; the hub's forward topic carries many
    // origins, whose authenticity rests on the signature and the stream's owner.
    const topicOrigin = provinceOfTopic(topic);
    if (topicOrigin !== null && envelope.originProvince !== topicOrigin)
      return fail('FORGED_ORIGIN', `an event claiming origin ${envelope.originProvince} on the topic of ${topicOrigin ?? topic}`);
    if (envelope.originProvince === this.options.provinceCode) return fail('ECHO', 'an event of this province came back');
    const version = KNOWN_VERSIONS.get(envelope.type);
    if (version === undefined) return fail('UNKNOWN_EVENT_TYPE', `unknown event type ${envelope.type}`);
    if (envelope.schemaVersion > version)
      return fail('UNKNOWN_SCHEMA_VERSION', `${envelope.type} v${envelope.schemaVersion} is newer than this node (v${version})`);
    const owner = await this.ownerOf(envelope.streamId);
    if (owner !== null && owner !== envelope.originProvince)
      return fail('STREAM_OWNED_ELSEWHERE', `stream ${envelope.streamId} belongs to ${owner}, not ${envelope.originProvince}`);
    return { ok: true, envelope };
  }

  /** The province that owns a stream: named in person, AEFI and signal stream ids, else its first writer. */
  private async ownerOf(streamId: string): Promise<string | null> {
    const named = /^(?:person|aefi|signal)-(\d{6})-|^logcheckpoint-(\d{6})$/.exec(streamId);
    if (named) return (named[1] ?? named[2])!;
    const [first] = await this.store.readStream(streamId, { maxCount: 1 });
    if (!first) return null;
    return first.metadata.originProvince ?? this.options.provinceCode;
  }

  private async setAside(
    topic: string,
    partition: number,
    offset: string,
    verdict: Extract<Verdict, { ok: false }>,
    bytes: Buffer,
  ): Promise<void> {
    await this.syncStore.deadLetter({
      topic,
      partition,
      offset,
      reason: verdict.reason,
      detail: verdict.detail,
      eventId: verdict.eventId,
      bytes,
    });
    await this.producer?.send({
      topic: deadLetterTopic(this.options.provinceCode, this.options.topicPrefix),
      messages: [
        { key: `${topic}:${partition}:${offset}`, value: bytes, headers: { reason: verdict.reason, detail: verdict.detail.slice(0, 500) } },
      ],
    });
    this.deadLettered++;
    this.options.onDeadLetter?.(verdict.reason);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
    this.consumer = null;
    this.producer = null;
    this.tracker.stopped();
  }
}
