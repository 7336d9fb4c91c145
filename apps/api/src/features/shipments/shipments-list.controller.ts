import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@vaxledger/domain';
import { listShipments, type Page, SHIPMENT_SORTS, type ShipmentItem, type ShipmentSort } from '@vaxledger/projections';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { shipmentListGrants, siteOf } from '../../auth/policy';
import { CurrentActor } from '../../http/auth';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { grantsOrForbidden, PageOf, PageQuery, pageRequest } from '../paging';

export const SITE_CODE = /^[0-9A-Z]{18}(-[0-9A-Za-z]{1,8})?$/;

export class ShipmentListQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'A site at either end (with `direction`, at that end; `direction` alone means the caller’s own site)',
    pattern: SITE_CODE.source,
    example: '12510000MB0A1234XJ',
  })
  @IsOptional()
  @Matches(SITE_CODE)
  readonly site?: string;

  @ApiPropertyOptional({ enum: ['in', 'out'], description: '`in`: shipments to the site; `out`: from it' })
  @IsOptional()
  @IsIn(['in', 'out'])
  readonly direction?: 'in' | 'out';

  @ApiPropertyOptional({ enum: ['in_transit', 'received'] })
  @IsOptional()
  @IsIn(['in_transit', 'received'])
  readonly status?: 'in_transit' | 'received';

  @ApiPropertyOptional({ description: 'Part of the delivery note number, any case', example: '0042', minLength: 1, maxLength: 80 })
  @IsOptional()
  @IsString()
  @Length(1, 80)
  readonly deliveryNoteNo?: string;

  @ApiPropertyOptional({ example: '8696321-202611A017', minLength: 3, maxLength: 60 })
  @IsOptional()
  @IsString()
  @Length(3, 60)
  readonly batchId?: string;

  @ApiPropertyOptional({ enum: SHIPMENT_SORTS, default: 'dispatchedAt' })
  @IsOptional()
  @IsIn(SHIPMENT_SORTS)
  readonly sort?: ShipmentSort;
}

export class ShipmentListLine {
  @ApiProperty({ example: '8696321-202611A017' }) readonly batchId!: string;
  @ApiProperty({ minimum: 1, example: 2 }) readonly quantity!: number;
}

export class ShipmentListItem {
  @ApiProperty({ example: 'b3c1d2e4-5f60-4a7b-8c9d-0e1f2a3b4c5d' }) readonly shipmentId!: string;
  @ApiProperty({ example: '91320000MA1X0Y2W3E' }) readonly fromSite!: string;
  @ApiProperty({ example: '12510000MB0A1234XJ' }) readonly toSite!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-10T09:00:00+08:00' }) readonly dispatchedAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: '2026-11-11T15:30:00+08:00' })
  readonly receivedAt!: string | null;
  @ApiProperty({ enum: ['in_transit', 'received'] }) readonly status!: string;
  @ApiProperty({ nullable: true, type: String, example: 'DN-2026-11-0042' }) readonly deliveryNoteNo!: string | null;
  @ApiProperty({ type: [ShipmentListLine] }) readonly lines!: ShipmentListLine[];
}

export const ShipmentPage = PageOf(ShipmentListItem, 'ShipmentPage');

/** The shipments list: what left or reached the sites the caller may see. */
@ApiTags('shipments')
@Controller('v1/shipments')
export class ShipmentsListController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get()
  @ApiOperation({
    summary: 'List and search shipments (paged)',
    description:
      'Shipments with one end at a site the caller may see: its own sites; a CDC also the sites it supervises; a regulator its province (national: all).',
  })
  @ApiOkResponse({ type: ShipmentPage })
  list(@Query() query: ShipmentListQuery, @CurrentActor() actor: Actor): Promise<Page<ShipmentItem>> {
    const grants = grantsOrForbidden(shipmentListGrants(actor));
    const site = query.site ?? (query.direction ? siteOf(actor) : undefined);
    return listShipments(
      this.runtime.readModels,
      {
        ...(site !== undefined ? { site } : {}),
        ...(query.direction ? { direction: query.direction } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.deliveryNoteNo !== undefined ? { deliveryNoteNo: query.deliveryNoteNo } : {}),
        ...(query.batchId !== undefined ? { batchId: query.batchId } : {}),
      },
      grants,
      pageRequest(query, 'dispatchedAt'),
    );
  }
}
