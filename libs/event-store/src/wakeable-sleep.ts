/** A pause that something else can cut short: new events to read, or a stop. */
export class WakeableSleep {
  private wakeUp: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
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

  /** Ends the current pause now (no-op when not pausing). */
  wake(): void {
    this.wakeUp?.();
  }
}
