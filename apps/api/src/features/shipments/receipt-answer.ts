import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ReceiptLine, Verification } from '@vaxledger/domain';
import { from, type Observable, switchMap } from 'rxjs';
import type { CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';

/** What a receipt answer adds to the command answer: what the ledger recorded as accepted and rejected. */
export interface ReceiptOutcome {
  readonly accepted: number;
  readonly rejected: number;
  readonly lines: { batchId: string; shipped: number; accepted: number; rejected: number }[];
  readonly verification: { result: string; reasonCode?: string };
  readonly temperatureLog: 'provided' | 'not_provided';
  readonly quarantined: boolean;
}

export const receiptOutcome = (data: {
  lines: readonly ReceiptLine[];
  verification: Verification;
  temperatureLog?: unknown;
  quarantined?: boolean;
}): ReceiptOutcome => ({
  accepted: data.lines.reduce((sum, line) => sum + line.accepted, 0),
  rejected: data.lines.reduce((sum, line) => sum + line.rejected, 0),
  lines: data.lines.map(({ batchId, shipped, accepted, rejected }) => ({ batchId, shipped, accepted, rejected })),
  verification: {
    result: data.verification.result,
    ...(data.verification.reasonCode ? { reasonCode: data.verification.reasonCode } : {}),
  },
  temperatureLog: data.temperatureLog ? 'provided' : 'not_provided',
  quarantined: data.quarantined === true,
});

/**
 * Adds the recorded receipt (totals and lines accepted and rejected, the verification) to the
 * receipt's command answer, read back from the appended ShipmentReceived: the caller sees what
 * the rules made of its count, e.g. a whole shipment rejected for a reading out of range. The
 * answer object is extended in place so a replayed answer keeps its 200 tag.
 */
@Injectable()
export class ReceiptAnswerInterceptor implements NestInterceptor {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  intercept(_context: ExecutionContext, next: CallHandler<CommandAnswer>): Observable<unknown> {
    return next.handle().pipe(switchMap((answer) => from(this.extend(answer))));
  }

  private async extend(answer: CommandAnswer): Promise<CommandAnswer> {
    if (answer.eventIds.length === 0) return answer;
    const events = await this.runtime.store.readStream(answer.streamId, {
      fromRevision: answer.revision - (answer.eventIds.length - 1),
      maxCount: answer.eventIds.length,
    });
    const received = events.find((e) => e.type === 'ShipmentReceived' && answer.eventIds.includes(e.eventId));
    if (received) Object.assign(answer, receiptOutcome(received.data as Parameters<typeof receiptOutcome>[0]));
    return answer;
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAPI shape of the answer

export class ReceiptOutcomeLine {
  @ApiProperty({ example: '8696321-202611A017' }) readonly batchId!: string;
  @ApiProperty({ minimum: 0, example: 2 }) readonly shipped!: number;
  @ApiProperty({ minimum: 0, example: 2 }) readonly accepted!: number;
  @ApiProperty({ minimum: 0, example: 0 }) readonly rejected!: number;
}

export class ReceiptOutcomeVerification {
  @ApiProperty({ enum: ['accepted', 'discrepancy', 'rejected'] }) readonly result!: string;
  @ApiPropertyOptional({ example: 'TEMPERATURE_OUT_OF_RANGE' }) readonly reasonCode?: string;
}
