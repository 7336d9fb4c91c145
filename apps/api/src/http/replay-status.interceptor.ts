import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { type Observable, tap } from 'rxjs';
import { isReplayedAnswer } from '@vaxledger/application';

/** A retried command (same Idempotency-Key and body) answers 200 with the first answer. */
@Injectable()
export class ReplayStatusInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      tap((body) => {
        if (isReplayedAnswer(body)) context.switchToHttp().getResponse<Response>().status(200);
      }),
    );
  }
}
