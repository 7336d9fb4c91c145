import { type ExecutionContext, Injectable, type Provider } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail, ThrottlerStorageService } from '@nestjs/throttler';
import type { Settings } from '@vaxledger/config';
import type { Request } from 'express';
import { ApiError } from './problem';

/** Paths a monitor polls: never limited, or an overloaded node would look dead to its orchestrator. */
const EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/metrics']);
const WINDOW_MS = 60_000;

/** The caller a request counts against: the authenticated organisation and role, else the client address. */
export const throttleTrackerOf = (req: Pick<Request, 'ip' | 'socket'> & { actor?: { role: string; orgCode: string } }): string =>
  req.actor ? `caller:${req.actor.role}:${req.actor.orgCode}` : `ip:${req.ip ?? req.socket?.remoteAddress ?? 'unknown'}`;

/**
 * Requests per caller per minute (RATE_LIMIT_PER_MINUTE). Registered after the actor guard, so
 * a request counts against the organisation that authenticated, wherever it connects from (a
 * province's clinics often share one proxy address); unauthenticated routes count against the
 * client address. Over the limit: 429 problem+json RATE_LIMITED with Retry-After in seconds.
 */
@Injectable()
export class CallerThrottleGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    return EXEMPT_PATHS.has(req.path);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return throttleTrackerOf(req as unknown as Parameters<typeof throttleTrackerOf>[0]);
  }

  /** One budget per caller across all endpoints (the library's default keeps one per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new ApiError(
      'RATE_LIMITED',
      `more than ${detail.limit} requests a minute from this caller; retry after ${seconds} s`,
      undefined,
      {
        'Retry-After': String(seconds),
      },
    );
  }
}

/** The counters, one per node process (in memory: each API replica limits on its own). */
const THROTTLE_COUNTERS = Symbol('ThrottleCounters');

/**
 * The guard provider for ApiModule, or none when RATE_LIMIT_PER_MINUTE=0. Put it after the
 * actor guard in the providers list: Nest runs global guards in that order.
 */
export const throttleProviders = (settings: Pick<Settings, 'rateLimitPerMinute'>): Provider[] => {
  if (settings.rateLimitPerMinute === 0) return [];
  const counters = new ThrottlerStorageService();
  return [
    // A provider, so Nest stops its sweep timer when the app closes.
    { provide: THROTTLE_COUNTERS, useValue: counters },
    {
      provide: APP_GUARD,
      inject: [Reflector],
      useFactory: async (reflector: Reflector): Promise<CallerThrottleGuard> => {
        const guard = new CallerThrottleGuard(
          { throttlers: [{ name: 'caller', ttl: WINDOW_MS, limit: settings.rateLimitPerMinute }], setHeaders: false },
          counters,
          reflector,
        );
        await guard.onModuleInit();
        return guard;
      },
    },
  ];
};
