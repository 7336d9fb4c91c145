import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { AuthedRequest } from '../auth/actor.guard';
import type { Metrics } from '../infrastructure/metrics';

/** Probes scraped every few seconds: measured, but not logged. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

interface RouteLayer {
  readonly route?: { readonly path?: unknown; readonly methods?: Readonly<Record<string, boolean>> };
  match(path: string): boolean;
}

/**
 * The declared route a request was for when it never reached it (its body was refused by a
 * parser first): found among the app's routes by method and path, so its metrics and log line
 * carry `/v1/doses` like the requests that got through, not `unmatched`.
 */
const routeNotReached = (req: Request): string | null => {
  const app = req.app as unknown as { router?: { stack?: RouteLayer[] }; _router?: { stack?: RouteLayer[] } };
  const stack = app.router?.stack ?? app._router?.stack ?? [];
  const method = req.method.toLowerCase();
  const path = req.originalUrl.split('?')[0]!;
  for (const layer of stack) {
    const route = layer.route;
    if (typeof route?.path !== 'string' || route.path.includes('*') || !(route.methods?.[method] || route.methods?._all)) continue;
    try {
      if (layer.match(path)) return route.path;
    } catch {
      // A path the matcher cannot decode (malformed percent-encoding) matches no route.
    }
  }
  return null;
};

/**
 * Measures and logs every request when its answer is finished: one short line (method,
 * route as declared, status, milliseconds, request id, actor), never headers, bodies or the
 * query string, so no ID number, name or token can reach the log through it. Also feeds the
 * duration histogram and counts problem answers by their code (set by ProblemDetailsFilter).
 * Installed before the body parsers, so that a body refused as malformed, too large or of the
 * wrong type is measured, counted and logged like any other answer.
 */
export const requestObserver =
  (metrics: Metrics) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.statusCode;
      const path = (req.route as { path?: unknown } | undefined)?.path;
      // A catch-all (the not-found and parser-refusal handlers' `{/*splat}`) declares nothing.
      const declared = typeof path === 'string' && !path.includes('*') ? path : undefined;
      // The console's static files: one route, measured but not logged (a page load fetches many).
      const consoleAsset = req.originalUrl === '/console' || req.originalUrl.startsWith('/console/');
      const route =
        typeof declared === 'string' ? `${req.baseUrl}${declared}` : consoleAsset ? '/console' : (routeNotReached(req) ?? 'unmatched');
      metrics.httpRequestSeconds.observe({ method: req.method, route, status: String(status) }, seconds);
      const code = (res.locals as { problemCode?: unknown }).problemCode;
      if (typeof code === 'string') metrics.refusals.inc({ code });
      if (QUIET_PATHS.has(req.path) || consoleAsset) return;
      // A request refused before routing (its body could not be read) never met pino-http: the
      // node's root logger still writes its line, without a request id.
      const log = (req as Request & { log?: Logger }).log ?? (PinoLogger.root as Logger | undefined);
      const actor = (req as AuthedRequest).actor;
      log?.[status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info'](
        {
          method: req.method,
          route,
          status,
          ms: Math.round(seconds * 10_000) / 10,
          ...(actor ? { actor: `${actor.role}:${actor.orgCode}` } : {}),
          ...(typeof code === 'string' ? { code } : {}),
        },
        'request',
      );
    });
    next();
  };
