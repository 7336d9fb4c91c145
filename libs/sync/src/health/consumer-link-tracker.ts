import type { Consumer } from 'kafkajs';
import { describeLinkError, LinkState, type LinkStatus } from './link-state';

/** How long the broker may hold a sync consumer's fetch open when nothing is new: also how often an idle consumer hears from it. */
export const CONSUMER_FETCH_MAX_WAIT_MS = 1000;
/** Silence after which a connected consumer is reported as retrying (fetches answer at least every second, heartbeats every 3 s). */
export const CONSUMER_SILENT_AFTER_SECONDS = 10;

/**
 * The standing of one Kafka consumer of the sync role with the broker, learnt from kafkajs'
 * instrumentation events: a group join, a fetch answered or a heartbeat is contact; a crash is
 * `retrying` (kafkajs restarts it) or `crashed` (it will not). The clock is injectable for tests.
 */
export class ConsumerLinkTracker {
  protected readonly link: LinkState;
  private startedMs: number | null = null;
  /** Since when the consumer's handler has been failing (kafkajs redelivers the batch), and why. */
  private failing: { sinceMs: number; error: string } | null = null;

  constructor(protected readonly now: () => number = Date.now) {
    this.link = new LinkState(now);
  }

  /** True once start() was called (a node with nothing to read never starts its inbox). */
  get started(): boolean {
    return this.startedMs !== null;
  }

  /** When the consumer was (last) started, null before. */
  protected get startedAt(): number | null {
    return this.startedMs;
  }

  /** The consumer is being started (again): `starting` until the broker first answers. */
  start(): void {
    this.link.starting();
    this.startedMs = this.now();
    this.failing = null;
  }

  stopped(): void {
    this.link.stopped();
  }

  /** The broker delivered a batch: it answers. */
  contact(): void {
    this.link.contact();
  }

  /**
   * The handler of a batch or message threw. kafkajs fetches it again and again (the broker
   * keeps answering, so the link looks up) while nothing moves: until a handler succeeds the
   * consumer reads as `retrying`, since the first failure.
   */
  handlerFailed(error: unknown): void {
    this.failing = { sinceMs: this.failing?.sinceMs ?? this.now(), error: describeLinkError(error) };
  }

  /** A handler went through: the consumer moves again. */
  handlerSucceeded(): void {
    this.failing = null;
  }

  /** Follows the consumer's life through its instrumentation events; call before it connects. */
  watch(consumer: Consumer): void {
    const { FETCH, GROUP_JOIN, HEARTBEAT, CRASH } = consumer.events;
    consumer.on(GROUP_JOIN, () => this.joined());
    consumer.on(FETCH, () => this.fetched());
    consumer.on(HEARTBEAT, () => this.link.contact());
    consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload as { error: unknown; restart: boolean };
      this.link.fail(restart ? 'retrying' : 'crashed', error);
    });
  }

  /**
   * The consumer's standing with the broker (connected, or crashed and restarting, since when).
   * A consumer that kafkajs keeps retrying without crashing is silent: past `silentAfterSeconds`
   * without an answer (an idle one hears from the broker every few seconds) it reads as `retrying`;
   * so does one whose handler keeps failing (see handlerFailed).
   */
  status(silentAfterSeconds = CONSUMER_SILENT_AFTER_SECONDS): LinkStatus {
    const status = this.link.status();
    if (status.state !== 'connected' || status.lastContactAt === null) return status;
    if (this.failing)
      return {
        ...status,
        state: 'retrying',
        since: new Date(this.failing.sinceMs).toISOString(),
        lastError: `handler failing: ${this.failing.error}`,
      };
    const silentMs = this.now() - Date.parse(status.lastContactAt);
    if (silentMs <= silentAfterSeconds * 1000) return status;
    return {
      ...status,
      state: 'retrying',
      since: status.lastContactAt,
      lastError: `no answer from the broker for ${Math.round(silentMs / 1000)} s`,
    };
  }

  /** A new assignment of partitions (the group joined). */
  protected joined(): void {
    this.link.contact();
  }

  /** The broker answered a fetch. */
  protected fetched(): void {
    this.link.contact();
  }
}
