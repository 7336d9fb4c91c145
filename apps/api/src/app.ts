import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type INestApplication, Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { Logger, LoggerModule } from 'nestjs-pino';
import { LogController } from './audit/log.controller';
import { consoleHandlers } from './console/console-assets';
import { ActorGuard } from './http/auth';
import { serveApiDocument } from './http/openapi';
import { ProblemDetailsFilter } from './http/problem';
import { answerParserRefusals } from './http/parser-refusals';
import { cleanUrl, csvBody, jsonBody } from './http/hostile-input';
import { DOSE_IMPORT_LIMIT_BYTES } from './features/doses/doses.controller';
import { requestObserver } from './http/request-log';
import { identityProviderOrigins, securityHeaders } from './http/security-headers';
import { throttleProviders } from './http/throttle';
import { strictValidationPipe } from './http/validation';
import { nodeApplication, nodeExecutor } from './infrastructure/application';
import { ReadAfterPositionInterceptor } from './http/read-after-position.interceptor';
import { ReplayStatusInterceptor } from './http/replay-status.interceptor';
import { UndeclaredQueryInterceptor } from './http/undeclared-query.interceptor';
import { Metrics } from './infrastructure/metrics';
import type { NodeRuntime } from './infrastructure/node-runtime';
import { APPLICATION, CLOCK, METRICS, RUNTIME } from './infrastructure/tokens';
import { OperationsController } from './operations/operations.controller';
import { RootController } from './operations/root.controller';
import { FEATURE_CONTROLLERS } from './features';
import { AefiSignalWatcher } from './features/aefi/aefi-signal.watcher';

// Never log bodies or identity headers: a dose body carries a name and an ID number.
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers["x-dev-actor"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.body',
  'res.body',
];

@Module({})
class ApiModule {
  static forRuntime(runtime: NodeRuntime, clock: () => string): DynamicModule {
    const metrics = new Metrics(runtime, clock);
    const controllers: Type[] = [RootController, OperationsController, LogController, ...FEATURE_CONTROLLERS];
    return {
      module: ApiModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: runtime.settings.logLevel,
            genReqId: (req, res) => {
              const given = req.headers['x-correlation-id'];
              const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
              res.setHeader('X-Correlation-Id', id);
              return id;
            },
            redact: { paths: LOG_REDACT, remove: true },
            serializers: {
              // Should anything log a request: its id, method and path only (no headers, no query string).
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
            },
            // One short line per request, written by requestObserver (http/request-log.ts) when
            // the answer is finished; pino-http's own line carried every response header (~1.1 KB).
            autoLogging: false,
            // Loggers bound to a request carry its id only, never the request itself.
            quietReqLogger: true,
            base: { pid: process.pid },
          },
        }),
      ],
      controllers,
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: METRICS, useValue: metrics },
        { provide: CLOCK, useValue: clock },
        { provide: APPLICATION, useValue: nodeApplication(runtime, nodeExecutor(runtime, metrics), clock) },
        AefiSignalWatcher,
        { provide: APP_GUARD, useClass: ActorGuard },
        // After the actor guard (global guards run in this order): limits count per caller.
        ...throttleProviders(runtime.settings),
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_INTERCEPTOR, useClass: UndeclaredQueryInterceptor },
        // After the guards: only an authenticated, allowed caller can make a read wait.
        { provide: APP_INTERCEPTOR, useClass: ReadAfterPositionInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ReplayStatusInterceptor },
      ],
    };
  }
}

/** Builds the HTTP app on an open runtime (main.ts, the e2e tests and the demo use it). */
export const createApiApp = async (
  runtime: NodeRuntime,
  options: { logger?: boolean; /** The node's clock (AEFI deadlines, overdue queue); tests inject one. */ clock?: () => string } = {},
): Promise<INestApplication> => {
  const clock = options.clock ?? ((): string => new Date().toISOString());
  const app = await NestFactory.create(ApiModule.forRuntime(runtime, clock), { bodyParser: false, bufferLogs: true, abortOnError: false });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  else app.useLogger(false);
  const metrics = app.get<Metrics>(METRICS);
  app.use(...securityHeaders(identityProviderOrigins(runtime.settings.oidc)));
  // First, so that answers the body parsers give (400, 413, 415) are measured and logged too.
  app.use(requestObserver(metrics));
  // An EPCIS document may carry thousands of events: capture alone reads bodies up to 32 MiB.
  app.use('/epcis/capture', cleanUrl(), jsonBody(32 * 1024 * 1024));
  // A dose file (text/csv) for POST /v1/doses/import: its own parser and limit.
  app.use('/v1/doses/import', cleanUrl(), csvBody(DOSE_IMPORT_LIMIT_BYTES));
  app.use(cleanUrl(), jsonBody(runtime.settings.bodyLimitBytes));
  // The web console (static files, a client of /v1 like any other).
  app.use('/console', ...consoleHandlers(runtime.settings));
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  answerParserRefusals(app.getHttpServer());
  serveApiDocument(app);
  return app;
};
