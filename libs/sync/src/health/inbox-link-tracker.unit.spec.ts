import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { InboxLinkTracker, type InboxReading } from './inbox-link-tracker';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const at = (ms: number): string => new Date(ms).toISOString();

/** Stands in for a kafkajs consumer: only its instrumentation events, fired by the test. */
class FakeConsumer extends EventEmitter {
  readonly events = { FETCH: 'fetch', GROUP_JOIN: 'group.join', HEARTBEAT: 'heartbeat', CRASH: 'crash' };
  crash(error: Error, restart: boolean): void {
    this.emit('crash', { payload: { error, restart } });
  }
}

/** A peer-mode inbox of 510000 reading 440000's and 110000's own topics. */
const peerReading: InboxReading = {
  provinceCode: '510000',
  origins: ['440000', '110000', '510000'],
  topics: ['vx.events.440000', 'vx.events.110000'],
  topicOf: (origin) => `vx.events.${origin}`,
};

const watched = (reading: InboxReading = peerReading): { clock: { now: number }; tracker: InboxLinkTracker; consumer: FakeConsumer } => {
  const clock = { now: T0 };
  const tracker = new InboxLinkTracker(reading, () => clock.now);
  const consumer = new FakeConsumer();
  tracker.watch(consumer as unknown as Consumer);
  return { clock, tracker, consumer };
};

const lagOf = (tracker: InboxLinkTracker, origin: string): number | null => tracker.lag().find((l) => l.origin === origin)!.lagSeconds;

describe('an inbox link, before and after the broker answers', () => {
  it('is starting until the group joins, then connected', () => {
    const { clock, tracker, consumer } = watched();
    expect(tracker.started).toBe(false);
    tracker.start();
    expect(tracker.started).toBe(true);
    expect(tracker.status()).toMatchObject({ state: 'starting', lastContactAt: null });
    clock.now += 2000;
    consumer.emit('group.join');
    expect(tracker.status()).toEqual({
      state: 'connected',
      since: at(T0 + 2000),
      lastError: null,
      lastContactAt: at(T0 + 2000),
      silentSeconds: 0,
    });
  });

  it('reads retrying, since its last contact, once the broker has been silent past the limit (10 s unless told)', () => {
    const { clock, tracker, consumer } = watched();
    tracker.start();
    consumer.emit('heartbeat');
    clock.now += 10_000;
    expect(tracker.status().state).toBe('connected');
    clock.now += 1;
    expect(tracker.status()).toMatchObject({
      state: 'retrying',
      since: at(T0),
      lastError: 'no answer from the broker for 10 s',
      silentSeconds: 10.001,
    });
    expect(tracker.status(30).state).toBe('connected');
    expect(tracker.status(5).state).toBe('retrying');
    consumer.emit('fetch');
    expect(tracker.status()).toMatchObject({ state: 'connected', silentSeconds: 0 });
  });

  it('is retrying after a crash kafkajs restarts, crashed after one it does not, and stopped on purpose', () => {
    const { clock, tracker, consumer } = watched();
    tracker.start();
    consumer.emit('group.join');
    clock.now += 1000;
    consumer.crash(new Error('Connection error'), true);
    expect(tracker.status()).toMatchObject({ state: 'retrying', since: at(T0 + 1000), lastError: 'Error: Connection error' });
    consumer.crash(new TypeError('not retriable'), false);
    expect(tracker.status()).toMatchObject({ state: 'crashed', lastError: 'TypeError: not retriable' });
    tracker.stopped();
    expect(tracker.status()).toMatchObject({ state: 'stopped', lastError: null });
  });
});

describe('an inbox link whose handler keeps failing', () => {
  it('reads retrying since the first failure while the broker answers, and connected again once a batch goes through', () => {
    const { clock, tracker, consumer } = watched();
    tracker.start();
    consumer.emit('group.join');
    clock.now += 1000;
    tracker.handlerFailed(new Error('connection terminated'));
    clock.now += 3000;
    consumer.emit('fetch');
    tracker.handlerFailed(new Error('connection refused'));
    expect(tracker.status()).toMatchObject({
      state: 'retrying',
      since: at(T0 + 1000),
      lastError: 'handler failing: Error: connection refused',
      silentSeconds: 0,
    });
    tracker.handlerSucceeded();
    expect(tracker.status()).toMatchObject({ state: 'connected', since: at(T0), lastError: null });
    // A crash says more than a failing handler, and a new start forgets the failure.
    tracker.handlerFailed(new Error('again'));
    consumer.crash(new Error('KafkaJSNonRetriableError'), false);
    expect(tracker.status()).toMatchObject({ state: 'crashed', lastError: 'Error: KafkaJSNonRetriableError' });
    tracker.start();
    consumer.emit('group.join');
    expect(tracker.status()).toMatchObject({ state: 'connected' });
  });
});

describe('the lag of each origin', () => {
  it('is null before the inbox starts, then grows from the start until the broker answers', () => {
    const { clock, tracker, consumer } = watched();
    expect(tracker.lag()).toEqual([
      { origin: '110000', lastImportedAt: null, upTo: null, transitSeconds: null, lagSeconds: null },
      { origin: '440000', lastImportedAt: null, upTo: null, transitSeconds: null, lagSeconds: null },
    ]);
    tracker.start();
    clock.now += 3000;
    expect(lagOf(tracker, '440000')).toBe(3);
    consumer.emit('fetch');
    expect(lagOf(tracker, '440000')).toBe(0);
    clock.now += 7000;
    expect(lagOf(tracker, '110000')).toBe(7);
  });

  it('grows for an origin whose partition is behind, while another origin stays current', () => {
    const { clock, tracker, consumer } = watched();
    tracker.start();
    consumer.emit('fetch');
    tracker.batchDone('vx.events.440000', 2, 500);
    tracker.batchDone('vx.events.110000', 0, 0);
    clock.now += 4000;
    consumer.emit('fetch');
    expect(lagOf(tracker, '440000')).toBe(4);
    expect(lagOf(tracker, '110000')).toBe(0);
    // The last of the backlog arrives: current as of the next answer.
    tracker.batchDone('vx.events.440000', 2, 0);
    clock.now += 1000;
    consumer.emit('fetch');
    expect(lagOf(tracker, '440000')).toBe(0);
  });

  it('forgets what was behind when the group joins again (a new assignment)', () => {
    const { clock, tracker, consumer } = watched();
    tracker.start();
    tracker.batchDone('vx.events.440000', 1, 10);
    clock.now += 2000;
    consumer.emit('fetch');
    expect(lagOf(tracker, '440000')).toBe(2);
    consumer.emit('group.join');
    consumer.emit('fetch');
    expect(lagOf(tracker, '440000')).toBe(0);
  });

  it('takes the stalest of the topics read for origins without a topic of their own (forward topics)', () => {
    const { clock, tracker, consumer } = watched({
      provinceCode: '510000',
      origins: [],
      topics: ['vx.forward.510000', 'vx.forward-late.510000'],
      topicOf: () => null,
    });
    tracker.start();
    expect(tracker.lag()).toEqual([]);
    tracker.imported('440000', at(T0 - 1500));
    clock.now += 1000;
    consumer.emit('fetch');
    tracker.batchDone('vx.forward-late.510000', 0, 3);
    clock.now += 6000;
    consumer.emit('fetch');
    expect(tracker.lag()).toEqual([{ origin: '440000', lastImportedAt: at(T0), upTo: at(T0 - 1500), transitSeconds: 1.5, lagSeconds: 6 }]);
  });

  it('keeps the newest recorded event of an origin when an older one is imported later, and never lists its own province', () => {
    const { clock, tracker } = watched();
    tracker.start();
    tracker.imported('440000', at(T0 - 2000));
    clock.now += 1000;
    tracker.imported('440000', at(T0 - 60_000));
    tracker.imported('510000', at(T0));
    const lag = tracker.lag();
    expect(lag.map((l) => l.origin)).toEqual(['110000', '440000']);
    expect(lag[1]).toMatchObject({ lastImportedAt: at(T0 + 1000), upTo: at(T0 - 2000), transitSeconds: 2 });
  });
});
