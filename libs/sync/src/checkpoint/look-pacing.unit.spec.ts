import { BUSY_SHARE, nextLookDelay } from './log-checkpointer';

describe('how soon the checkpointer looks at the log again', () => {
  it('waits the poll interval after a look that signed nothing or caught a quiet log up', () => {
    expect(nextLookDelay(200, 'none', 5_000, BUSY_SHARE)).toBe(200);
    expect(nextLookDelay(200, 'quiet', 5_000, BUSY_SHARE)).toBe(200);
  });

  it('keeps signing behind writers to its share of the time, however short the poll interval', () => {
    // 30 ms of signing at a twentieth of the time: 570 ms of rest, not the 5 ms asked.
    expect(nextLookDelay(5, 'busy', 30, 0.05)).toBe(570);
    // A look twice as slow (a slower machine) rests twice as long: the same share of its time.
    expect(nextLookDelay(5, 'busy', 60, 0.05)).toBe(1140);
    // A quick look never makes the poll interval shorter.
    expect(nextLookDelay(2_000, 'busy', 30, 0.05)).toBe(2_000);
    expect(nextLookDelay(200, 'busy', 10, 0.5)).toBe(200);
  });
});
