import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import type { CommandAnswer } from '@vaxledger/application';
import type { AdverseEventReported } from '@vaxledger/domain';
import type { Request } from 'express';
import { from, type Observable, switchMap } from 'rxjs';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';

/** What a report's answer adds to the command answer: how the ledger recorded its seriousness and clock. */
export interface AefiReportOutcome {
  readonly serious: boolean;
  /**
   * The report said `serious: false`, but its seriousness criteria (death, hospitalisation, …) or
   * its outcome (`died`) make it serious, and it was recorded so, with the 2-hour clock.
   */
  readonly seriousFromCriteria: boolean;
  readonly urgent: boolean;
  readonly deadlineAt: string;
}

export const aefiReportOutcome = (recorded: AdverseEventReported['data'], sentSerious: unknown): AefiReportOutcome => ({
  serious: recorded.serious,
  seriousFromCriteria: recorded.serious && sentSerious === false,
  urgent: recorded.urgent,
  deadlineAt: recorded.deadlineAt,
});

/**
 * Adds to a report's command answer what the ledger recorded (read back from the appended
 * AdverseEventReported): a report sent as not serious but with serious criteria is stored as
 * serious, on the 2-hour clock, and the reporter must learn that from the answer rather than
 * from the queue. The answer object is extended in place so a replayed answer keeps its 200
 * tag, and a replay (same key and body) reads the same event, so it answers the same.
 */
@Injectable()
export class AefiReportAnswerInterceptor implements NestInterceptor {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  intercept(context: ExecutionContext, next: CallHandler<CommandAnswer>): Observable<unknown> {
    const sent = (context.switchToHttp().getRequest<Request>().body as { serious?: unknown } | undefined)?.serious;
    return next.handle().pipe(switchMap((answer) => from(this.extend(answer, sent))));
  }

  private async extend(answer: CommandAnswer, sentSerious: unknown): Promise<CommandAnswer> {
    if (answer.eventIds.length === 0) return answer;
    const events = await this.runtime.store.readStream(answer.streamId, {
      fromRevision: answer.revision - (answer.eventIds.length - 1),
      maxCount: answer.eventIds.length,
    });
    const reported = events.find((e) => e.type === 'AdverseEventReported' && answer.eventIds.includes(e.eventId));
    if (reported) Object.assign(answer, aefiReportOutcome(reported.data as AdverseEventReported['data'], sentSerious));
    return answer;
  }
}
