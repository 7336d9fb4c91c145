import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { type Observable, tap } from 'rxjs';
import { isReplayedAnswer } from '@vaxledger/application';

/** A retried command (same Idempotency-Key and body) answers 200 with the first answer; every answer names its position. */
@Injectable()
export class ReplayStatusInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((body) => {
        const res = context.switchToHttp().getResponse<Response>();
        if (isReplayedAnswer(body)) res.status(200);
        // Read-your-writes: a read may pass this back as X-Min-Position (http/read-after-position.ts).
        const position = (body as { position?: unknown } | null)?.position;
        if (typeof position === 'string' && /^\d+$/.test(position)) res.setHeader('X-Position', position);
      }),
    );
  }
}
