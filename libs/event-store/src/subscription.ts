import type { EventStore, GlobalPosition, SubscribeOptions, Subscription } from './event-store.port';
import { WakeableSleep } from './wakeable-sleep';

/**
 * Catch-up then live, over any store that can `readAll`: read batches until a read comes
 * back short (caught up), then poll. Appends made through the same process wake it at once.
 * Batches are handed over strictly one after another; the position only moves after the
 * handler resolved, so a crashing handler re-reads from its last good batch on restart.
 */
export class PollingSubscription implements Subscription {
  private current: GlobalPosition;
  private running = true;
  private readonly pause = new WakeableSleep();
  private readonly loop: Promise<void>;
  private readonly listener = (): void => this.pause.wake();

  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly options: SubscribeOptions,
    private readonly listeners: Set<() => void>,
    private readonly pollIntervalMs: number,
  ) {
    this.current = options.after;
    listeners.add(this.listener);
    this.loop = this.run();
  }

  get position(): GlobalPosition {
    return this.current;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let caughtUp = false;
    let failures = 0;
    while (this.running) {
      try {
        const events = await this.store.readAll({ after: this.current, limit: batchSize });
        failures = 0;
        if (events.length > 0 && this.running) {
          await this.options.onEvents(events);
          this.current = events[events.length - 1]!.position;
        }
        if (events.length < batchSize) {
          if (!caughtUp) {
            caughtUp = true;
            this.options.onCaughtUp?.(this.current);
          }
          if (events.length === 0) await this.pause.sleep(this.pollIntervalMs);
        }
      } catch (error) {
        if (!this.running) break;
        failures++;
        this.options.onError?.(error);
        // Back off while the store or the handler keeps failing; resume from the last good position.
        await this.pause.sleep(Math.min(5000, this.pollIntervalMs * 2 ** Math.min(failures, 7)));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.listeners.delete(this.listener);
    this.pause.wake();
    await this.loop;
  }
}
