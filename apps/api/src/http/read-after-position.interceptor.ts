import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { RUNTIME } from '../infrastructure/tokens';
import { ApiError } from './problem';

const POSITION = /^\d{1,20}$/;
const FIELD = 'X-Min-Position';

/**
 * Read-your-writes by position: a command answers with the log position of what it wrote
 * (`position` in the body, also the `X-Position` header); a read that carries it back
 * (`X-Min-Position: <position>`) is answered once the read models have applied it, or 503
 * PROJECTION_LAG after PROJECTION_WAIT_MS. Writes never wait for the projector; only the reads
 * that ask for a write's position do, and only for that position.
 *
 * An interceptor, so it runs after the guards: a caller who is not authenticated, not allowed
 * or over its rate limit is answered at once and cannot make the node hold a request. A
 * position beyond the log's head was never in an answer of this log, and waiting cannot reach
 * it: that is a 400 at once, not a wait and a 503 to retry for ever.
 */
@Injectable()
export class ReadAfterPositionInterceptor implements NestInterceptor {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method !== 'GET') return next.handle();
    const raw = req.header('x-min-position');
    if (raw === undefined) return next.handle();
    if (!POSITION.test(raw)) {
      throw new ApiError('VALIDATION_FAILED', `${FIELD} must be a log position (decimal)`, [{ field: FIELD, reason: 'not a position' }]);
    }
    return from(this.reached(BigInt(raw))).pipe(switchMap(() => next.handle()));
  }

  private async reached(position: bigint): Promise<void> {
    const { readModels, store, settings } = this.runtime;
    if (readModels.runner.lowestPosition >= position) return;
    const head = await store.latestPosition();
    if (position > head) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `${FIELD} ${position} is beyond the log's head (${head}): no answer of this node carried it`,
        [{ field: FIELD, reason: 'beyond the log head' }],
      );
    }
    try {
      await readModels.runner.waitFor(position, settings.projectionWaitMs);
    } catch {
      throw new ApiError('PROJECTION_LAG', `the read models have not reached position ${position} yet`, undefined, { 'Retry-After': '1' });
    }
  }
}
