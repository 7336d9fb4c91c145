import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { type INestApplication, Module, type DynamicModule, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger, LoggerModule } from 'nestjs-pino';
import { LogController } from './audit/log.controller';
import { ActorGuard } from './http/auth';
import { ProblemDetailsFilter } from './http/problem';
import { cleanUrl, jsonBody } from './http/hostile-input';
import { securityHeaders } from './http/security-headers';
import { throttleProviders } from './http/throttle';
import { strictValidationPipe } from './http/validation';
import { nodeApplication, nodeExecutor } from './infrastructure/application';
import { ReplayStatusInterceptor } from './http/replay-status.interceptor';
import { Metrics } from './infrastructure/metrics';
import type { NodeRuntime } from './infrastructure/node-runtime';
import { APPLICATION, CLOCK, METRICS, RUNTIME } from './infrastructure/tokens';
import { OperationsController } from './operations/operations.controller';
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
    const controllers: Type[] = [OperationsController, LogController, ...FEATURE_CONTROLLERS];
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
              // Only the path, never the query string.
              req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
            },
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
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
  app.use(...securityHeaders());
  app.use(cleanUrl(), jsonBody(runtime.settings.bodyLimitBytes));
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  });
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vaxledger API')
      .setDescription('Vaccine traceability ledger: commands append facts; views answer questions. See API.md.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT (ES256/RS256)' }, 'jwt')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }, 'api-key')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Dev-Actor', description: 'AUTH_MODE=dev only' }, 'dev-actor')
      .addSecurityRequirements('jwt')
      .addSecurityRequirements('api-key')
      .addSecurityRequirements('dev-actor')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
};
