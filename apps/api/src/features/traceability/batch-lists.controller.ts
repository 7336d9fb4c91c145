import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Application } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import {
  CUSTODY_SORTS,
  type CustodyItem,
  type CustodySort,
  HOLDER_SORTS,
  type HolderItem,
  type HolderSort,
  type ListScope,
  listCustody,
  listHolders,
  listRecipientSites,
  type Page,
  listDosesBySite,
  RECIPIENT_SITE_SORTS,
  RECIPIENT_SORTS,
  type RecipientPage as RecipientPageOf,
  type RecipientSiteItem,
  type RecipientSiteSort,
  type RecipientSort,
  SITE_DOSE_SORTS,
  type SiteDoseItem,
  type SiteDoseSort,
} from '@vaxledger/projections';
import { IsIn, IsOptional } from 'class-validator';
import type { Request } from 'express';
import { accessContextOf } from '../../audit/access-trail';
import { requireBatch } from '../../auth/access';
import { canSeeBatch, canSeeRecipients, isNational } from '../../auth/policy';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { PageOf, PageQuery, pageRequest } from '../paging';

export class CustodyQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CUSTODY_SORTS, default: 'position', description: 'Log order' })
  @IsOptional()
  @IsIn(CUSTODY_SORTS)
  readonly sort?: CustodySort;
}

export class RecipientsPageQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RECIPIENT_SORTS, default: 'administeredAt' })
  @IsOptional()
  @IsIn(RECIPIENT_SORTS)
  readonly sort?: RecipientSort;
}

export class RecipientSitesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RECIPIENT_SITE_SORTS, default: 'siteCode' })
  @IsOptional()
  @IsIn(RECIPIENT_SITE_SORTS)
  readonly sort?: RecipientSiteSort;
}

export class HoldersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: HOLDER_SORTS, default: 'site' })
  @IsOptional()
  @IsIn(HOLDER_SORTS)
  readonly sort?: HolderSort;
}

export class SiteDosesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SITE_DOSE_SORTS, default: 'site' })
  @IsOptional()
  @IsIn(SITE_DOSE_SORTS)
  readonly sort?: SiteDoseSort;
}

export class SiteDoseListItem {
  @ApiProperty({ example: '12440300MB1B2345QN' }) readonly site!: string;
  @ApiProperty({ minimum: 1, example: 3 }) readonly count!: number;
}

export class CustodyListItem {
  @ApiProperty({ example: 'dispatched', description: 'produced, released, dispatched, received, recalled, destroyed, …' })
  readonly type!: string;
  @ApiProperty({ description: 'When: a date (produced, released) or an RFC 3339 instant', example: '2026-11-06T09:00:00+08:00' })
  readonly at!: string;
  @ApiPropertyOptional({ example: '91320000MA1X0Y2W3E' }) readonly fromSite?: string;
  @ApiPropertyOptional({ example: '12510000MB0A1234XJ' }) readonly toSite?: string;
  @ApiProperty({ minimum: 0, example: 500 }) readonly quantity!: number;
  @ApiProperty({ format: 'uuid' }) readonly eventId!: string;
}

export class RecipientListItem {
  @ApiProperty({ description: 'Pseudonymous person id', example: 'p1aaaaaaaaaaaaaaaaaaaaaaaaaa' }) readonly personId!: string;
  @ApiProperty({ example: '12440300MB1B2345QN' }) readonly siteCode!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-20T10:30:00+08:00' }) readonly administeredAt!: string;
  @ApiProperty({ example: '440000' }) readonly originProvince!: string;
}

/** A page of the batch's doses, each with its person, and how many people they are in all. */
export class RecipientPage extends PageOf(RecipientListItem, 'RecipientPageBase') {
  @ApiProperty({
    minimum: 0,
    example: 1,
    description: 'Distinct people over all pages (total counts doses: a person given two doses of the batch is listed twice)',
  })
  readonly persons!: number;
}

export class RecipientSiteListItem {
  @ApiProperty({ example: '12440300MB1B2345QN' }) readonly siteCode!: string;
  @ApiProperty({ nullable: true, type: String, example: '440000' }) readonly provinceCode!: string | null;
  @ApiProperty({ minimum: 1, example: 3, description: 'Distinct people dosed from the batch at the site' }) readonly persons!: number;
  @ApiProperty({ minimum: 1, example: 4, description: 'Doses of the batch given at the site (a person may have had two)' })
  readonly doses!: number;
}

export class HolderListItem {
  @ApiProperty({ example: '12510000MB0A1234XJ' }) readonly site!: string;
  @ApiProperty({ minimum: 0, example: 40 }) readonly available!: number;
  @ApiProperty({ minimum: 0, example: 0 }) readonly quarantined!: number;
}

/**
 * The lists of one batch that grow with its use, paged (the console never loads them whole):
 * the custody chain, stock and doses by site (as visible as the batch's trace), and the recall impact's recipients,
 * recipients per site and holders (as visible as /recipients; a provincial caller sees its
 * own province's rows). A page of recipients is in the access audit like the whole export.
 */
@ApiTags('traceability')
@Controller('v1/batches/:batchId')
export class BatchListsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Get('custody')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'A batch’s custody chain (produced, released, dispatches, receipts, recall, destruction), paged' })
  @ApiOkResponse({ type: PageOf(CustodyListItem, 'CustodyPage') })
  async custody(@Param('batchId') batchId: string, @Query() query: CustodyQuery, @CurrentActor() actor: Actor): Promise<Page<CustodyItem>> {
    await this.visibleBatch(actor, batchId, canSeeBatch);
    return listCustody(this.runtime.readModels, batchId, pageRequest(query, 'position'));
  }

  @Get('stock')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Sites holding the batch (available or quarantined), paged: the trace’s onHand' })
  @ApiOkResponse({ type: PageOf(HolderListItem, 'BatchStockPage') })
  async stock(@Param('batchId') batchId: string, @Query() query: HoldersQuery, @CurrentActor() actor: Actor): Promise<Page<HolderItem>> {
    await this.visibleBatch(actor, batchId, canSeeBatch);
    return listHolders(this.runtime.readModels, batchId, { all: true }, pageRequest(query, 'site'));
  }

  @Get('doses-by-site')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Doses given from the batch per site, paged: the trace’s administered' })
  @ApiOkResponse({ type: PageOf(SiteDoseListItem, 'SiteDosePage') })
  async dosesBySite(
    @Param('batchId') batchId: string,
    @Query() query: SiteDosesQuery,
    @CurrentActor() actor: Actor,
  ): Promise<Page<SiteDoseItem>> {
    await this.visibleBatch(actor, batchId, canSeeBatch);
    return listDosesBySite(this.runtime.readModels, batchId, pageRequest(query, 'site'));
  }

  @Get('impact/recipients')
  @Roles('regulator', 'cdc')
  @ApiOperation({ summary: 'Recall impact: people dosed from the batch (pseudonymous), paged; recorded in the access audit' })
  @ApiOkResponse({ type: RecipientPage })
  async recipients(
    @Param('batchId') batchId: string,
    @Query() query: RecipientsPageQuery,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<RecipientPageOf> {
    const access = accessContextOf(req, actor, 'recall_follow_up');
    const scope = await this.impactScope(actor, batchId);
    // A page of people: ListRecallRecipients answers it only once it is in the access trail.
    return this.app.listRecallRecipients.handle(batchId, scope, pageRequest(query, 'administeredAt'), actor, access);
  }

  @Get('impact/sites')
  @Roles('regulator', 'cdc')
  @ApiOperation({ summary: 'Recall impact: how many people each site dosed from the batch, paged' })
  @ApiOkResponse({ type: PageOf(RecipientSiteListItem, 'RecipientSitePage') })
  async recipientSites(
    @Param('batchId') batchId: string,
    @Query() query: RecipientSitesQuery,
    @CurrentActor() actor: Actor,
  ): Promise<Page<RecipientSiteItem>> {
    const scope = await this.impactScope(actor, batchId);
    return listRecipientSites(this.runtime.readModels, batchId, scope, pageRequest(query, 'siteCode'));
  }

  @Get('impact/holders')
  @Roles('regulator', 'cdc')
  @ApiOperation({ summary: 'Recall impact: sites still holding the batch (available or quarantined), paged' })
  @ApiOkResponse({ type: PageOf(HolderListItem, 'HolderPage') })
  async holders(@Param('batchId') batchId: string, @Query() query: HoldersQuery, @CurrentActor() actor: Actor): Promise<Page<HolderItem>> {
    const scope = await this.impactScope(actor, batchId);
    return listHolders(this.runtime.readModels, batchId, scope, pageRequest(query, 'site'));
  }

  private async visibleBatch(actor: Actor, batchId: string, rule: typeof canSeeBatch): Promise<void> {
    if (!(await this.runtime.readModels.batch(batchId))) throw new ApiError('NOT_FOUND', `no batch ${batchId}`);
    await requireBatch(this.runtime, actor, batchId, rule);
  }

  /** The impact's rows the caller may see: all of them nationally, else its own province's. */
  private async impactScope(actor: Actor, batchId: string): Promise<ListScope> {
    await this.visibleBatch(actor, batchId, canSeeRecipients);
    return isNational(actor) ? { all: true } : { province: actor.provinceCode };
  }
}
