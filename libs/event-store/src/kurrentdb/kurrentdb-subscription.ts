import { type EventStoreDBClient, type ResolvedEvent, streamNameFilter } from '@eventstore/db-client';
import type { GlobalPosition, RecordedEvent, SubscribeOptions, Subscription } from '../event-store.port';
import { fromPosition, translate } from './kurrentdb-mapping';
import { WakeableSleep } from '../wakeable-sleep';

type ClientSubscription = ReturnType<EventStoreDBClient['subscribeToAll']>;

/** Events queued before the server is asked to slow down (the client stream is paused). */
const HIGH_WATER = 2_000;

/**
 * A catch-up subscription on `$all`, filtered on the server to the product's stream
 * prefixes: the server sends what is stored after the checkpoint, then `caught_up`, then
 * live events. Batches go to the handler one after another and the position moves only
 * after a batch's handler resolved. When the server goes away (or the handler throws) it
 * subscribes again from the last position handled, backing off while it keeps failing.
 */
export class KurrentDbSubscription implements Subscription {
  private current: GlobalPosition;
  private running = true;
  private caughtUpReported = false;
  private stopActive: (() => Promise<void>) | null = null;
  private readonly pause = new WakeableSleep();
  private readonly loop: Promise<void>;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly prefixes: readonly string[],
    private readonly options: SubscribeOptions,
    private readonly toRecorded: (resolved: ResolvedEvent) => RecordedEvent,
    private readonly onStopped: (s: KurrentDbSubscription) => void,
  ) {
    this.current = options.after;
    this.loop = this.run();
  }

  get position(): GlobalPosition {
    return this.current;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const started = this.current;
      try {
        await this.follow();
      } catch (error) {
        if (!this.running) break;
        if (this.current !== started) failures = 0;
        failures++;
        this.options.onError?.(translate(error, 'subscription to $all'));
        await this.pause.sleep(Math.min(5_000, 50 * 2 ** Math.min(failures, 7)));
      }
    }
  }

  /** One server subscription, until it fails or the subscription stops. */
  private follow(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const subscription: ClientSubscription = this.client.subscribeToAll({
      fromPosition: fromPosition(this.current),
      filter: streamNameFilter({ prefixes: [...this.prefixes] }),
    });
    // Items in arrival order; null for anything that is not one of the product's events.
    const queue: (RecordedEvent | null)[] = [];
    let received = 0;
    let handled = 0;
    let caughtUpAfter: number | null = null;
    let paused = false;
    let draining: Promise<void> | null = null;
    let finished = false;

    return new Promise<void>((resolve, reject) => {
      const finish = async (error?: unknown): Promise<void> => {
        if (finished) return;
        finished = true;
        this.stopActive = null;
        await subscription.unsubscribe().catch(() => undefined);
        // Never let two handlers run at once: wait for the batch in hand.
        await draining?.catch(() => undefined);
        if (error !== undefined) reject(error);
        else resolve();
      };
      this.stopActive = () => finish();

      const drain = async (): Promise<void> => {
        while (!finished && queue.length > 0) {
          const items = queue.splice(0, batchSize);
          const events = items.filter((e): e is RecordedEvent => e !== null && e.position > this.current);
          if (events.length > 0) {
            await this.options.onEvents(events);
            this.current = events[events.length - 1]!.position;
          }
          handled += items.length;
          if (paused && queue.length < HIGH_WATER / 2) {
            paused = false;
            subscription.resume();
          }
          this.reportCaughtUp(caughtUpAfter, handled);
        }
        this.reportCaughtUp(caughtUpAfter, handled);
      };
      const schedule = (): void => {
        if (draining || finished) return;
        draining = new Promise<void>((r) => setImmediate(r)).then(drain).then(
          () => {
            draining = null;
            if (queue.length > 0 || (caughtUpAfter !== null && !this.caughtUpReported)) schedule();
          },
          (error: unknown) => {
            draining = null;
            void finish(error);
          },
        );
      };

      subscription.on('data', (resolved: ResolvedEvent) => {
        received++;
        try {
          const streamId = resolved.event?.streamId ?? '';
          queue.push(resolved.event && this.prefixes.some((p) => streamId.startsWith(p)) ? this.toRecorded(resolved) : null);
        } catch (error) {
          void finish(error);
          return;
        }
        if (queue.length >= HIGH_WATER && !paused) {
          paused = true;
          subscription.pause();
        }
        schedule();
      });
      subscription.on('caughtUp', () => {
        // Events sent before caught_up may still sit in the stream's buffer: count them in.
        caughtUpAfter = received + subscription.readableLength;
        schedule();
      });
      subscription.on('error', (error: unknown) => void finish(error));
      subscription.on('end', () => void finish(new Error('KurrentDB ended the subscription')));
    });
  }

  private reportCaughtUp(caughtUpAfter: number | null, handled: number): void {
    if (this.caughtUpReported || caughtUpAfter === null || handled < caughtUpAfter) return;
    this.caughtUpReported = true;
    this.options.onCaughtUp?.(this.current);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.stopActive?.();
    await this.loop;
    this.onStopped(this);
  }
}
