import type { ConsumerLinkReading, LinkStatus, OutboxRelay, RelayBacklog } from '@vaxledger/sync';
import { Gauge, type Registry } from 'prom-client';

/**
 * The sync role's link gauges, beside the counters of metrics.ts: whether the relay and the
 * consumers (inbox, the hub's router, history) are connected, how long the broker has been silent to the inbox, and the relay's backlog (own
 * events not yet acknowledged by Kafka, and the age of the oldest). The API's /metrics and a
 * sync worker's /metrics register the same ones (once per registry).
 */
export const registerSyncLinkMetrics = (
  registry: Registry,
  sync: {
    relay: Pick<OutboxRelay, 'status' | 'backlog'>;
    inbox: ConsumerLinkReading;
    hub?: ConsumerLinkReading | null;
    history?: ConsumerLinkReading | null;
  } | null,
  /** Broker silence after which a connected consumer counts as down (SYNC_HEALTH_SILENT_AFTER_S; default 10 s). */
  { silentAfterSeconds }: { silentAfterSeconds?: number } = {},
): void => {
  if (!sync || registry.getSingleMetric('vaxledger_sync_relay_backlog_events')) return;
  const consumers = [
    ['inbox', sync.inbox],
    ['hub-router', sync.hub],
    ['history', sync.history],
  ] as const;
  const links = (): { link: string; status: LinkStatus }[] => [
    { link: 'relay', status: sync.relay.status() },
    ...consumers.flatMap(([link, consumer]) => (consumer?.started ? [{ link, status: consumer.status(silentAfterSeconds) }] : [])),
  ];
  new Gauge({
    name: 'vaxledger_sync_connected',
    help: 'Sync link to Kafka (relay = publisher; inbox, hub-router, history = consumers): 1 connected, 0 starting, retrying, crashed or stopped',
    labelNames: ['link'] as const,
    registers: [registry],
    collect() {
      for (const { link, status } of links()) this.set({ link }, status.state === 'connected' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vaxledger_sync_broker_silence_seconds',
    help: 'Seconds since the broker last answered the sync inbox (a fetch answers at least every second while it is up)',
    registers: [registry],
    collect() {
      const silent = sync.inbox.started ? sync.inbox.status().silentSeconds : null;
      if (silent !== null) this.set(silent);
    },
  });
  // Both backlog gauges come from one read of the log per scrape.
  let ofScrape: Promise<RelayBacklog | null> | null = null;
  const backlog = (): Promise<RelayBacklog | null> => {
    ofScrape ??= sync.relay
      .backlog()
      .catch(() => null)
      .finally(() => setImmediate(() => (ofScrape = null)));
    return ofScrape;
  };
  new Gauge({
    name: 'vaxledger_sync_relay_backlog_events',
    help: 'Events of this province in the log that Kafka has not acknowledged yet (counted up to 1000)',
    registers: [registry],
    async collect() {
      const b = await backlog();
      if (b) this.set(b.events);
    },
  });
  new Gauge({
    name: 'vaxledger_sync_relay_backlog_seconds',
    help: 'Age of the oldest event of this province not yet acknowledged by Kafka (0 = none waiting)',
    registers: [registry],
    async collect() {
      const b = await backlog();
      if (b) this.set(b.seconds);
    },
  });
};
