import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { ApiError } from './problem';

const READS_OWN_QUERY = 'vaxledger:reads-own-query';

/**
 * The handler checks `req.query` itself (FHIR search, EPCIS query: each refuses what it does not
 * know), or takes none and ignores any (the health and metrics probes).
 */
export const ReadsOwnQuery = (): MethodDecorator & ClassDecorator => SetMetadata(READS_OWN_QUERY, true);

/**
 * A query parameter a route does not declare is refused (400 VALIDATION_FAILED), never silently
 * ignored: `?pageSize=5` on a route that does not page must not look as if it paged. Routes with a
 * `@Query()` DTO are checked by the validation pipe (whitelist), those marked ReadsOwnQuery by
 * themselves; every other route takes no query parameter at all.
 */
@Injectable()
export class UndeclaredQueryInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const names = Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
    if (names.length === 0) return next.handle();
    const handler = context.getHandler();
    const controller = context.getClass();
    if (this.reflector.getAllAndOverride<boolean>(READS_OWN_QUERY, [handler, controller])) return next.handle();
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<string, unknown>;
    const declaresQuery = Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
    if (declaresQuery) return next.handle();
    throw new ApiError(
      'VALIDATION_FAILED',
      `unknown parameter ${names[0]!}: this resource takes no query parameters`,
      names.map((field) => ({ field, reason: 'unknown parameter' })),
    );
  }
}
