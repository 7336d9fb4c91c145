/**
 * A pause that something else can cut short: new events to read, or a stop. A wake that comes
 * while no pause is running (the reader is reading) is kept for the next pause, which then
 * ends at once: otherwise a stop or an append notified during a read would be lost until the
 * end of the next full pause (a subscription polling every 60 s took a minute to stop).
 */
export class WakeableSleep {
  private wakeUp: (() => void) | null = null;
  private pending = false;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = null;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
    });
  }

  /** Ends the current pause now, or the next one as soon as it begins. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}
