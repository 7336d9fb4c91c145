import { ConsumerLinkTracker } from './consumer-link-tracker';
import { LinkState } from './link-state';
import { assessSync } from './sync-health';
import type { RelayBacklog } from '../relay/outbox-relay';

const T0 = Date.parse('2026-12-07T10:00:00Z');

const fakeSync = (
  clock: { now: number },
  relayLink: LinkState,
  backlog: RelayBacklog | null,
  inboxLink: LinkState | null,
): Parameters<typeof assessSync>[0] => ({
  relay: { status: () => ({ ...relayLink.status(), lastPublishedAt: null }), backlog: () => Promise.resolve(backlog) },
  inbox: { started: inboxLink !== null, status: () => (inboxLink ?? new LinkState(() => clock.now)).status() },
});

describe('LinkState', () => {
  it('keeps the time a failure began while it repeats, and counts the silence since the last answer', () => {
    const clock = { now: T0 };
    const link = new LinkState(() => clock.now);
    expect(link.status()).toMatchObject({ state: 'starting', lastContactAt: null, silentSeconds: null });
    link.contact();
    clock.now += 5000;
    link.fail('retrying', new Error('broker down'));
    clock.now += 5000;
    link.fail('retrying', new Error('still down'));
    clock.now += 2000;
    expect(link.status()).toEqual({
      state: 'retrying',
      since: new Date(T0 + 5000).toISOString(),
      lastError: 'Error: still down',
      lastContactAt: new Date(T0).toISOString(),
      silentSeconds: 12,
    });
    link.contact();
    expect(link.status()).toMatchObject({
      state: 'connected',
      since: new Date(T0 + 12_000).toISOString(),
      lastError: null,
      silentSeconds: 0,
    });
  });
});

describe('assessSync', () => {
  const none: RelayBacklog = { events: 0, oldestRecordedAt: null, seconds: 0 };
  const waiting = (seconds: number): RelayBacklog => ({
    events: 3,
    oldestRecordedAt: new Date(T0 - seconds * 1000).toISOString(),
    seconds,
  });

  it('is ok with both links connected, and with a young backlog while the relay retries', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    const inbox = new LinkState(() => clock.now);
    relay.contact();
    inbox.contact();
    expect(await assessSync(fakeSync(clock, relay, none, inbox), { now: clock.now })).toMatchObject({ status: 'ok', problems: [] });
    relay.fail('retrying', new Error('KafkaJSNumberOfRetriesExceeded'));
    expect((await assessSync(fakeSync(clock, relay, waiting(5), inbox), { now: clock.now })).status).toBe('ok');
  });

  it('is degraded when the relay cannot publish an event older than the limit, not while nothing waits', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    relay.fail('retrying', new Error('Connection error'));
    expect((await assessSync(fakeSync(clock, relay, none, null), { now: clock.now })).status).toBe('ok');
    const health = await assessSync(fakeSync(clock, relay, waiting(20), null), { now: clock.now });
    expect(health).toMatchObject({ status: 'degraded', inbox: null });
    expect(health.problems).toEqual(['relay retrying (Error: Connection error): 3 own events unpublished, the oldest for 20 s']);
  });

  it('is degraded when a connected relay has left an event waiting for minutes', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    relay.contact();
    expect((await assessSync(fakeSync(clock, relay, waiting(60), null), { now: clock.now })).status).toBe('ok');
    expect((await assessSync(fakeSync(clock, relay, waiting(301), null), { now: clock.now })).problems).toEqual([
      'relay behind: 3 own events unpublished, the oldest for 301 s',
    ]);
  });

  it('is degraded when the inbox crashed for good at once, and when it has been retrying longer than the limit', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    relay.contact();
    const inbox = new LinkState(() => clock.now);
    inbox.fail('retrying', new Error('KafkaJSNumberOfRetriesExceeded'));
    clock.now += 10_000;
    expect((await assessSync(fakeSync(clock, relay, none, inbox), { now: clock.now })).status).toBe('ok');
    clock.now += 6000;
    expect((await assessSync(fakeSync(clock, relay, none, inbox), { now: clock.now })).problems).toEqual([
      'inbox retrying (Error: KafkaJSNumberOfRetriesExceeded) for 16 s',
    ]);
    const crashed = new LinkState(() => clock.now);
    crashed.fail('crashed', new Error('not retriable'));
    expect((await assessSync(fakeSync(clock, relay, none, crashed), { now: clock.now })).problems).toEqual([
      'inbox crashed (Error: not retriable) for 0 s',
    ]);
  });

  it('tracks the hub router and the history consumer as it tracks the inbox, and leaves out those not running', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    relay.contact();
    const router = new LinkState(() => clock.now);
    const history = new LinkState(() => clock.now);
    router.contact();
    history.contact();
    const sync = (hubStarted: boolean): Parameters<typeof assessSync>[0] => ({
      ...fakeSync(clock, relay, none, null),
      hub: { started: hubStarted, status: () => router.status() },
      history: { started: true, status: () => history.status() },
    });
    expect(await assessSync(sync(true), { now: clock.now })).toMatchObject({
      status: 'ok',
      hubRouter: { state: 'connected' },
      history: { state: 'connected' },
    });
    router.fail('retrying', new Error('KafkaJSConnectionError'));
    history.fail('crashed', new Error('not retriable'));
    clock.now += 16_000;
    const health = await assessSync(sync(true), { now: clock.now });
    expect(health.status).toBe('degraded');
    expect(health.problems).toEqual([
      'hub router retrying (Error: KafkaJSConnectionError) for 16 s',
      'history crashed (Error: not retriable) for 16 s',
    ]);
    // A province node has no router: nothing reported for it.
    expect(await assessSync(sync(false), { now: clock.now })).toMatchObject({ hubRouter: null, history: { state: 'crashed' } });
  });

  it('judges by the limits it is given (the SYNC_HEALTH_* settings) instead of 15 s, 300 s and 10 s', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    relay.contact();
    const inbox = new ConsumerLinkTracker(() => clock.now);
    inbox.start();
    inbox.contact();
    clock.now += 12_000;
    const sync = { ...fakeSync(clock, relay, waiting(200), null), inbox };
    // By default: the silent inbox reads retrying, but for 12 s only; the relay's 200 s are under 300.
    const byDefault = await assessSync(sync, { now: clock.now });
    expect(byDefault).toMatchObject({ status: 'ok', inbox: { state: 'retrying' } });
    expect((await assessSync(sync, { now: clock.now, staleAfterSeconds: 11, relayBehindSeconds: 120 })).problems).toEqual([
      'relay behind: 3 own events unpublished, the oldest for 200 s',
      'inbox retrying (no answer from the broker for 12 s) for 12 s',
    ]);
    expect(await assessSync(sync, { now: clock.now, staleAfterSeconds: 11, silentAfterSeconds: 20 })).toMatchObject({
      status: 'ok',
      inbox: { state: 'connected', silentSeconds: 12 },
    });
  });

  it('is degraded when a consumer has been stuck on a failing batch past the limit, though the broker answers', async () => {
    const clock = { now: T0 };
    const relay = new LinkState(() => clock.now);
    relay.contact();
    const router = new ConsumerLinkTracker(() => clock.now);
    router.start();
    router.contact();
    router.handlerFailed(new Error('sync store unreachable'));
    const sync = { ...fakeSync(clock, relay, none, null), hub: router };
    clock.now += 10_000;
    router.contact();
    expect((await assessSync(sync, { now: clock.now })).status).toBe('ok');
    clock.now += 6000;
    router.contact();
    expect((await assessSync(sync, { now: clock.now })).problems).toEqual([
      'hub router retrying (handler failing: Error: sync store unreachable) for 16 s',
    ]);
  });
});
