import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@vaxledger/domain';
import {
  BATCH_SORTS,
  BATCH_STATUSES,
  type BatchItem,
  type BatchSort,
  type BatchStatus,
  listBatches,
  type Page,
} from '@vaxledger/projections';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { batchListGrants } from '../../auth/policy';
import { CurrentActor } from '../../http/auth';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { grantsOrForbidden, PageOf, PageQuery, pageRequest } from '../paging';

export const PRODUCT_CODE = /^(\d{7}|\d{14})$/;

export class BatchListQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: PRODUCT_CODE.source, example: '8696321' })
  @IsOptional()
  @Matches(PRODUCT_CODE)
  readonly productCode?: string;

  @ApiPropertyOptional({ example: '202611A017', minLength: 1, maxLength: 40 })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  readonly lotNumber?: string;

  @ApiPropertyOptional({ enum: BATCH_STATUSES })
  @IsOptional()
  @IsIn(BATCH_STATUSES)
  readonly status?: BatchStatus;

  @ApiPropertyOptional({ description: 'Part of the batch id (product code or lot number), any case', example: '2026', maxLength: 60 })
  @IsOptional()
  @IsString()
  @Length(1, 60)
  readonly q?: string;

  @ApiPropertyOptional({ enum: BATCH_SORTS, default: 'batchId' })
  @IsOptional()
  @IsIn(BATCH_SORTS)
  readonly sort?: BatchSort;
}

export class BatchListItem {
  @ApiProperty({ example: '8696321-202611A017' }) readonly batchId!: string;
  @ApiProperty({ example: '8696321' }) readonly productCode!: string;
  @ApiProperty({ example: '202611A017' }) readonly lotNumber!: string;
  @ApiProperty({ format: 'date', example: '2026-11-01' }) readonly producedOn!: string;
  @ApiProperty({ format: 'date', example: '2028-10-31' }) readonly expiresOn!: string;
  @ApiProperty({ minimum: 1, example: 2, description: 'Doses produced' }) readonly quantity!: number;
  @ApiProperty({ enum: BATCH_STATUSES }) readonly status!: string;
  @ApiProperty({ format: 'date', nullable: true, type: String, example: '2026-11-05' }) readonly releasedOn!: string | null;
}

export const BatchPage = PageOf(BatchListItem, 'BatchPage');

/** The batches list: the batches the caller may see, by product, lot or status. */
@ApiTags('batches')
@Controller('v1/batches')
export class BatchesListController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get()
  @ApiOperation({
    summary: 'List and search batches (paged)',
    description:
      'As the batch trace: a regulator the batches that touched its province (national: all), a manufacturer its own, a CDC those it held or of its province, a clinic those it held.',
  })
  @ApiOkResponse({ type: BatchPage })
  list(@Query() query: BatchListQuery, @CurrentActor() actor: Actor): Promise<Page<BatchItem>> {
    const grants = grantsOrForbidden(batchListGrants(actor));
    return listBatches(
      this.runtime.readModels,
      {
        ...(query.productCode !== undefined ? { productCode: query.productCode } : {}),
        ...(query.lotNumber !== undefined ? { lotNumber: query.lotNumber } : {}),
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
      },
      grants,
      pageRequest(query, 'batchId'),
    );
  }
}
