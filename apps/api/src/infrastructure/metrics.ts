import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NodeRuntime } from './node-runtime';

/** Prometheus metrics of one node. Labels come from small fixed sets, never ids. */
export class Metrics {
  readonly registry = new Registry();
  readonly appendSeconds = new Histogram({
    name: 'vaxledger_append_seconds',
    help: 'Time to decide and append one command',
    labelNames: ['command', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'vaxledger_http_requests_total',
    help: 'HTTP requests by route and status class',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  constructor(runtime: NodeRuntime, clock: () => string = () => new Date().toISOString()) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vaxledger_' });
    const { store, readModels } = runtime;
    new Gauge({
      name: 'vaxledger_projection_lag_events',
      help: 'Log head position minus each projection checkpoint (0 = current)',
      labelNames: ['projection'] as const,
      registers: [this.registry],
      async collect() {
        const head = await store.headPosition();
        for (const { name, position } of readModels.runner.status())
          this.set({ projection: name }, head > position ? Number(head - position) : 0);
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
      help: 'Global position of the last event readers may see',
      registers: [this.registry],
      async collect() {
        this.set(Number(await store.headPosition()));
      },
    });
  }
}
