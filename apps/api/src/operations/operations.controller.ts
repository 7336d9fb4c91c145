import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { measureProjectionLag } from '@vaxledger/projections';
import type { Response } from 'express';
import { Public } from '../http/auth';
import { ReadsOwnQuery } from '../http/undeclared-query.interceptor';
import type { Metrics } from '../infrastructure/metrics';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { METRICS, RUNTIME } from '../infrastructure/tokens';

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
  ) {}

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
    const ready = storeOk && !projectorError;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ok' : 'degraded',
      province: settings.provinceCode,
      store: { adapter: store.capabilities.adapter, ok: storeOk, head: head.toString() },
      projections,
      projector: projectorError ? { ok: false, error: projectorError instanceof Error ? projectorError.message : 'failed' } : { ok: true },
      sync: this.runtime.sync
        ? {
            mode: settings.syncMode,
            published: this.runtime.sync.relay.publishedCount,
            imported: this.runtime.sync.inbox.importedCount,
            deadLettered: this.runtime.sync.inbox.deadLetteredCount,
            parked: this.runtime.sync.inbox.parkedCount,
            ...(this.runtime.sync.hub ? { forwarded: this.runtime.sync.hub.forwardedCount } : {}),
            origins: this.runtime.sync.inbox.lag(),
          }
        : { enabled: false, note: 'sync off (KAFKA_BROKERS unset)' },
    });
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
