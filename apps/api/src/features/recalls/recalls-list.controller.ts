import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@vaxledger/domain';
import { listRecalls, type Page, RECALL_SORTS, type RecallItem, type RecallSort } from '@vaxledger/projections';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { recallListGrants } from '../../auth/policy';
import { CurrentActor } from '../../http/auth';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { grantsOrForbidden, PageOf, PageQuery, pageRequest } from '../paging';

export class RecallListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Recalls naming this batch', example: '8696321-202611A017', minLength: 3, maxLength: 60 })
  @IsOptional()
  @IsString()
  @Length(3, 60)
  readonly batchId?: string;

  @ApiPropertyOptional({ enum: ['active', 'lifted'] })
  @IsOptional()
  @IsIn(['active', 'lifted'])
  readonly status?: 'active' | 'lifted';

  @ApiPropertyOptional({ enum: RECALL_SORTS, default: 'recallId' })
  @IsOptional()
  @IsIn(RECALL_SORTS)
  readonly sort?: RecallSort;
}

export class RecallListItem {
  @ApiProperty({ example: 'c0a80101-0000-4000-8000-000000000001' }) readonly recallId!: string;
  @ApiProperty({ type: [String], example: ['8696321-202611A017'] }) readonly batchIds!: string[];
  @ApiProperty({ enum: ['recall', 'suspension'] }) readonly kind!: string;
  @ApiProperty({ minimum: 1, maximum: 3, example: 1 }) readonly level!: number;
  @ApiProperty({ nullable: true, type: String, example: 'quality_defect' }) readonly reasonCode!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-11-22T09:00:00+08:00' })
  readonly effectiveAt!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '91320000MA1X0Y2W3E' }) readonly issuerOrgCode!: string | null;
  @ApiProperty({ enum: ['active', 'lifted'] }) readonly status!: string;
}

export const RecallPage = PageOf(RecallListItem, 'RecallPage');

/** The recalls list: those the caller issued or that name a batch it may see. */
@ApiTags('recalls')
@Controller('v1/recalls')
export class RecallsListController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get()
  @ApiOperation({
    summary: 'List recalls and suspensions (paged)',
    description: 'Those the caller issued or that name a batch it may see.',
  })
  @ApiOkResponse({ type: RecallPage })
  list(@Query() query: RecallListQuery, @CurrentActor() actor: Actor): Promise<Page<RecallItem>> {
    const grants = grantsOrForbidden(recallListGrants(actor));
    return listRecalls(
      this.runtime.readModels,
      {
        ...(query.batchId !== undefined ? { batchId: query.batchId } : {}),
        ...(query.status !== undefined ? { status: query.status } : {}),
      },
      grants,
      pageRequest(query, 'recallId'),
    );
  }
}
