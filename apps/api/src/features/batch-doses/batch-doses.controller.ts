import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@vaxledger/domain';
import { RecipientRow } from '@vaxledger/projections';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { requireBatch } from '../../auth/access';
import { canSeeBatch } from '../../auth/policy';

/**
 * Doses of one batch per China-local day (UTC+8, no daylight saving), for the console's chart.
 * Counts only, no person: the same visibility as the batch's trace.
 */
@ApiTags('traceability')
@Controller('v1')
export class BatchDosesController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get('batches/:batchId/doses-by-day')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Doses given from a batch per China-local day: { batchId, days[] of { day, count }, position }' })
  async dosesByDay(@Param('batchId') batchId: string, @CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const models = this.runtime.readModels;
    const position = models.position.toString();
    if (!(await models.batch(batchId))) throw new ApiError('NOT_FOUND', `no batch ${batchId}`);
    await requireBatch(this.runtime, actor, batchId, canSeeBatch);
    const rows: { day: string; count: string }[] = await models.dataSource
      .getRepository(RecipientRow)
      .createQueryBuilder('r')
      .select(`to_char((r."administeredAt"::timestamptz AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`, 'day')
      .addSelect('count(*)', 'count')
      .where('r."batchId" = :batchId AND r.voided = false', { batchId })
      .groupBy('day')
      .orderBy('day', 'ASC')
      .getRawMany();
    return { batchId, days: rows.map((r) => ({ day: r.day, count: Number(r.count) })), position };
  }
}
