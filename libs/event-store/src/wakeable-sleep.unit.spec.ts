import { WakeableSleep } from './wakeable-sleep';

describe('a wakeable pause', () => {
  it('ends when woken during the pause', async () => {
    const pause = new WakeableSleep();
    const started = Date.now();
    const sleeping = pause.sleep(60_000);
    pause.wake();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('keeps a wake that came between pauses for the next one, once', async () => {
    const pause = new WakeableSleep();
    pause.wake();
    pause.wake();
    const started = Date.now();
    await pause.sleep(60_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Only one pause is cut short: the one after sleeps its time.
    const next = await Promise.race([
      pause.sleep(200).then(() => 'ended early'),
      new Promise((r) => setTimeout(() => r('still sleeping'), 100)),
    ]);
    expect(next).toBe('still sleeping');
  });
});
