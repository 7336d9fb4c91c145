import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { measureProjectionLag } from '@vaxledger/projections';
import { assessSync } from '@vaxledger/sync';
import type { Response } from 'express';
import { Public } from '../http/auth';
import { ReadsOwnQuery } from '../http/undeclared-query.interceptor';
import type { Metrics } from '../infrastructure/metrics';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { METRICS, RUNTIME } from '../infrastructure/tokens';
import { registerSyncLinkMetrics } from './sync-metrics';

/** Liveness/readiness and Prometheus metrics for operators. */
@ApiExcludeController()
@Public()
// Probes and scrapers may add a query (a load balancer's cache-buster): it is ignored, never a
// 400 that would mark a healthy node down.
@ReadsOwnQuery()
@Controller()
export class OperationsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {
    registerSyncLinkMetrics(metrics.registry, runtime.sync, runtime.settings.syncHealth);
  }

  @Get('health')
  async health(@Res() response: Response): Promise<void> {
    const { store, readModels, settings } = this.runtime;
    let storeOk = true;
    let head = 0n;
    try {
      head = await store.headPosition();
    } catch {
      storeOk = false;
    }
    // Lag in events and seconds (log positions are not counts, ADR 0002).
    const status = readModels.runner.status();
    const lag = storeOk ? await measureProjectionLag(store, status, { head }).catch(() => null) : null;
    const projections = status.map((p, i) => ({
      name: p.name,
      position: p.position.toString(),
      lag: lag?.[i] ? { events: lag[i].events, seconds: lag[i].seconds, ...(lag[i].eventsAtLeast ? { eventsAtLeast: true } : {}) } : null,
    }));
    const projectorError = readModels.runner.error;
    // Only the store and the projector make the node unready (503): a node whose sync is down
    // still records and answers from its own log, so it reads `degraded` with a 200.
    const ready = storeOk && !projectorError;
    const sync = this.runtime.sync;
    const limits = settings.syncHealth;
    const syncHealth = sync && storeOk ? await assessSync(sync, limits).catch(() => null) : null;
    const syncOk = !sync || syncHealth?.status !== 'degraded';
    response.status(ready ? 200 : 503).json({
      status: ready && syncOk ? 'ok' : 'degraded',
      ready,
      province: settings.provinceCode,
      store: { adapter: store.capabilities.adapter, ok: storeOk, head: head.toString() },
      projections,
      projector: projectorError ? { ok: false, error: projectorError instanceof Error ? projectorError.message : 'failed' } : { ok: true },
      sync: sync
        ? {
            mode: settings.syncMode,
            status: syncHealth?.status ?? 'unknown',
            problems: syncHealth?.problems ?? [],
            relay: syncHealth?.relay ?? { ...sync.relay.status(), backlog: null },
            inbox: syncHealth ? syncHealth.inbox : sync.inbox.started ? sync.inbox.status(limits.silentAfterSeconds) : null,
            // The national hub's router: stalled, it forwards nothing to any province.
            ...(sync.hub
              ? { hubRouter: syncHealth ? syncHealth.hubRouter : sync.hub.started ? sync.hub.status(limits.silentAfterSeconds) : null }
              : {}),
            history: syncHealth ? syncHealth.history : sync.history.started ? sync.history.status(limits.silentAfterSeconds) : null,
            published: sync.relay.publishedCount,
            imported: sync.inbox.importedCount,
            deadLettered: sync.inbox.deadLetteredCount,
            parked: sync.inbox.parkedCount,
            ...(sync.hub ? { forwarded: sync.hub.forwardedCount } : {}),
            origins: sync.inbox.lag(),
          }
        : settings.kafkaBrokers.length > 0
          ? // SYNC_IN_API=off: the sync worker relays and consumes, and reports its links itself.
            { enabled: true, inThisProcess: false, note: 'sync runs in the sync worker: see its report line and its /metrics' }
          : { enabled: false, note: 'sync off (KAFKA_BROKERS unset)' },
    });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
