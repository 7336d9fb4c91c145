import { Body, Controller, HttpCode, Inject, Param, Post, Req, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor } from '@vaxledger/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { ReceiptAnswerInterceptor } from './receipt-answer';

import { INSTANT } from '../formats';

export class LineDto {
  @ApiProperty({ example: '8696321-202611A017' }) @IsString() @Length(3, 60) readonly batchId!: string;
  @ApiProperty() @IsInt() @Min(1) @Max(10_000_000) readonly quantity!: number;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsString({ each: true })
  readonly traceCodes?: string[];
}

export class DispatchShipmentDto {
  @ApiProperty() @IsString() readonly toSite!: string;
  @ApiProperty() @Matches(INSTANT) readonly dispatchedAt!: string;
  @ApiProperty() @IsString() @Length(1, 80) readonly deliveryNoteNo!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 80) readonly orderNo?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() readonly carrierOrgCode?: string;
  @ApiPropertyOptional({ enum: ['202', '211'], description: 'Only for returns (202) and recall returns (211)' })
  @IsOptional()
  @IsIn(['202', '211'])
  readonly billType?: '202' | '211';
  @ApiProperty({ type: [LineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => LineDto)
  readonly lines!: LineDto[];
}

export class ReceiptLineDto {
  @ApiProperty() @IsString() @Length(3, 60) readonly batchId!: string;
  @ApiProperty() @IsInt() @Min(0) @Max(10_000_000) readonly accepted!: number;
  @ApiProperty() @IsInt() @Min(0) @Max(10_000_000) readonly rejected!: number;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsString({ each: true })
  readonly traceCodes?: string[];
}

export class VerificationDto {
  @ApiProperty({ enum: ['accepted', 'discrepancy', 'rejected'] }) @IsIn(['accepted', 'discrepancy', 'rejected']) readonly result!:
    'accepted' | 'discrepancy' | 'rejected';
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 60) readonly reasonCode?: string;
  @ApiProperty() @IsBoolean() readonly releaseCertificateChecked!: boolean;
}

export class ReadingDto {
  @ApiProperty() @Matches(INSTANT) readonly at!: string;
  @ApiProperty() @IsNumber() @Min(-100) @Max(100) readonly celsius!: number;
}

export class TemperatureLogDto {
  @ApiProperty() @IsString() @Length(1, 80) readonly deviceId!: string;
  @ApiProperty({ type: [ReadingDto] })
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => ReadingDto)
  readonly readings!: ReadingDto[];
}

export class ReceiveShipmentDto {
  @ApiProperty() @Matches(INSTANT) readonly receivedAt!: string;
  @ApiPropertyOptional({ description: 'Sender, needed only when the dispatch has not synced yet' })
  @IsOptional()
  @IsString()
  readonly fromSite?: string;
  @ApiProperty({ type: [ReceiptLineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ReceiptLineDto)
  readonly lines!: ReceiptLineDto[];
  @ApiProperty({ type: VerificationDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => VerificationDto)
  readonly verification!: VerificationDto;
  @ApiPropertyOptional({ type: TemperatureLogDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TemperatureLogDto)
  readonly temperatureLog?: TemperatureLogDto;
}

/** Stock leaving a site (dispatch) and arriving at one (receipt): both in the sites' own streams. */
@ApiTags('shipments')
@Controller('v1/shipments')
export class ShipmentsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Dispatch a shipment from the caller’s site (ShipmentDispatched)' })
  dispatch(@Body() body: DispatchShipmentDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.dispatchShipment.handle(body, actor, commandMeta(req));
  }

  @Post(':shipmentId/receipt')
  @HttpCode(201)
  @Roles('cdc', 'clinic', 'manufacturer')
  @ApiOperation({
    summary: 'Receive a shipment at the caller’s site (ShipmentReceived)',
    description:
      'Every shipped line is counted: accepted + rejected = shipped (422 RECEIPT_QUANTITY_MISMATCH otherwise). Accepting any dose needs temperatureLog (422 TEMPERATURE_LOG_REQUIRED); a receipt rejecting every dose may omit it. A reading outside the product’s storage range records the whole receipt as rejected. The answer adds what was recorded: accepted and rejected totals, lines, verification.',
  })
  @UseInterceptors(ReceiptAnswerInterceptor)
  receive(
    @Param('shipmentId') shipmentId: string,
    @Body() body: ReceiveShipmentDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    return this.app.receiveShipment.handle({ shipmentId, ...body }, actor, commandMeta(req));
  }
}
