import { measureProjectionLag } from '@vaxledger/projections';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeRuntime } from './node-runtime';

/** Business facts counted by their event type (appended by this process). */
const BUSINESS_FACTS: Readonly<Record<string, { name: string; help: string }>> = {
  DoseAdministered: { name: 'vaxledger_doses_recorded_total', help: 'Doses recorded (DoseAdministered appended), by origin' },
  ShipmentReceived: {
    name: 'vaxledger_receipts_recorded_total',
    help: 'Shipment receipts recorded (ShipmentReceived appended), by origin',
  },
  BatchRecalled: { name: 'vaxledger_recalls_recorded_total', help: 'Batch recalls recorded (BatchRecalled appended), by origin' },
};

/**
 * Prometheus metrics of one node. Labels come from small fixed sets (routes as declared,
 * status codes, problem codes, event types), never ids. Projection lag is in events and
 * seconds, never in log positions (which pack a transaction id, ADR 0002).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly appendSeconds = new Histogram({
    name: 'vaxledger_append_seconds',
    help: 'Time to decide and append one command',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly httpRequestSeconds = new Histogram({
    name: 'vaxledger_http_request_duration_seconds',
    help: 'HTTP requests: time from arrival to the last byte of the answer, by route (as declared) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'vaxledger_refusals_total',
    help: 'Requests answered with a problem (problem+json), by its stable code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly eventsAppended = new Counter({
    name: 'vaxledger_events_appended_total',
    help: 'Events appended by this process, by type and origin (local, or imported from another province)',
    labelNames: ['type', 'origin'] as const,
    registers: [this.registry],
  });
  readonly syncMessages = new Counter({
    name: 'vaxledger_sync_messages_total',
    help: 'Sync messages this process published to Kafka (out) or took from it (in, redeliveries included)',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  readonly syncDeadLetters = new Counter({
    name: 'vaxledger_sync_dead_letters_total',
    help: 'Sync messages set aside by this process, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly logCheckpointFailures = new Counter({
    name: 'vaxledger_log_checkpoint_failures_total',
    help: 'Rounds of the log checkpointer that failed (ADR 0019); signed checkpoints count as LogCheckpointed in vaxledger_events_appended_total',
    registers: [this.registry],
  });

  readonly guardUpkeep = new Counter({
    name: 'vaxledger_kurrentdb_guard_rows_total',
    help: 'KurrentDB guard rows settled by the sweeper or pruned (ADRs 0029, 0033): outcome released (a writer died before its append, or a retry reserved an event already applied), confirmed (a writer died after it), pruned (applied rows past KURRENTDB_GUARD_RETENTION_DAYS)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly doseGroups = new Histogram({
    name: 'vaxledger_dose_group_size',
    help: 'Doses written together in one transaction because they arrived while every dose writer was busy (DOSE_WRITERS, ADR 0034); a dose that found a writer free is not counted',
    buckets: [2, 4, 8, 16, 32],
    registers: [this.registry],
  });

  constructor(runtime: NodeRuntime, clock: () => string = () => new Date().toISOString()) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vaxledger_' });
    const facts = new Map(
      Object.entries(BUSINESS_FACTS).map(([type, { name, help }]) => [
        type,
        new Counter({ name, help, labelNames: ['origin'] as const, registers: [this.registry] }),
      ]),
    );
    for (const counter of facts.values()) for (const origin of ['local', 'imported']) counter.inc({ origin }, 0);
    // The relay may have published before these metrics existed (a worker starts sync first).
    for (const direction of ['in', 'out'] as const) this.syncMessages.inc({ direction }, runtime.activity.syncTotals[direction]);
    runtime.activity.on('appended', (type, origin, count) => {
      this.eventsAppended.inc({ type, origin }, count);
      facts.get(type)?.inc({ origin }, count);
    });
    runtime.activity.on('syncMessages', (direction, count) => this.syncMessages.inc({ direction }, count));
    runtime.activity.on('syncDeadLetter', (reason) => this.syncDeadLetters.inc({ reason }));
    runtime.activity.on('logCheckpointFailed', () => this.logCheckpointFailures.inc());
    const outcomes = ['released', 'confirmed', 'pruned'] as const;
    if (runtime.store.capabilities.adapter === 'kurrentdb' && runtime.store.capabilities.guards)
      for (const outcome of outcomes) this.guardUpkeep.inc({ outcome }, 0);
    runtime.activity.on('doseGroup', (doses) => this.doseGroups.observe(doses));
    runtime.activity.on('guardUpkeep', (report) => {
      for (const outcome of outcomes) this.guardUpkeep.inc({ outcome }, report[outcome]);
    });

    const { store, readModels } = runtime;
    // Both lag gauges come from one measurement per scrape.
    let lagOfScrape: ReturnType<typeof measureProjectionLag> | null = null;
    const lag = (): ReturnType<typeof measureProjectionLag> => {
      lagOfScrape ??= measureProjectionLag(store, readModels.runner.status()).finally(() => {
        setImmediate(() => (lagOfScrape = null));
      });
      return lagOfScrape;
    };
    new Gauge({
      name: 'vaxledger_projection_lag_events',
      help: 'Events in the log each projection has not applied yet (0 = current)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      async collect() {
        for (const p of await lag()) this.set({ projection: p.name }, p.events);
      },
    });
    new Gauge({
      name: 'vaxledger_projection_lag_seconds',
      help: 'Age of the oldest event each projection has not applied yet (0 = current)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      async collect() {
        for (const p of await lag()) this.set({ projection: p.name }, p.seconds);
      },
    });
    const sync = runtime.sync;
    if (sync) {
      new Gauge({
        name: 'vaxledger_sync_lag_seconds',
        help: 'Per origin province: time from the origin recording an event to its import here (last import)',
        labelNames: ['origin'] as const,
        registers: [this.registry],
        collect() {
          for (const o of sync.inbox.lag()) if (o.lagSeconds !== null) this.set({ origin: o.origin }, o.lagSeconds);
        },
      });
      new Gauge({
        name: 'vaxledger_sync_dead_letters',
        help: 'Messages set aside by the sync consumer since start',
        registers: [this.registry],
        collect() {
          this.set(sync.inbox.deadLetteredCount);
        },
      });
      new Gauge({
        name: 'vaxledger_sync_imported_events',
        help: 'Events imported from other provinces since start',
        registers: [this.registry],
        collect() {
          this.set(sync.inbox.importedCount);
        },
      });
      new Gauge({
        name: 'vaxledger_sync_parked_events',
        help: 'Events waiting for an earlier revision of their stream (parked, not dropped)',
        registers: [this.registry],
        collect() {
          this.set(sync.inbox.parkedCount);
        },
      });
      new Gauge({
        name: 'vaxledger_sync_forwarded_messages',
        help: 'National hub only: messages forwarded to provinces since start',
        registers: [this.registry],
        collect() {
          this.set(sync.hub?.forwardedCount ?? 0);
        },
      });
    }
    new Gauge({
      name: 'vaxledger_aefi_overdue_reports',
      help: 'AEFI reports past their reporting deadline without a CDC acknowledgement (clock: urgent = 2 h, routine = 48 h)',
      labelNames: ['clock'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await readModels.aefi.overdueCounts(new Date(clock()));
        this.set({ clock: 'urgent' }, counts.urgent);
        this.set({ clock: 'routine' }, counts.routine);
      },
    });
    new Gauge({
      name: 'vaxledger_log_head_position',
      help: 'Global position of the last event readers may see (an opaque position, not a count: see the lag gauges)',
      registers: [this.registry],
      async collect() {
        this.set(Number(await store.headPosition()));
      },
    });
  }
}
