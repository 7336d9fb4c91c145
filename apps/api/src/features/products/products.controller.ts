import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor } from '@vaxledger/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
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
import { ApiError } from '../../http/problem';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';

export class StorageRangeDto {
  @ApiProperty({ example: 2 }) @IsNumber() @Min(-90) @Max(40) readonly min!: number;
  @ApiProperty({ example: 8 }) @IsNumber() @Min(-90) @Max(40) readonly max!: number;
}

export class PackagingLevelDto {
  @ApiProperty() @IsInt() @Min(1) @Max(5) readonly level!: number;
  @ApiProperty() @Matches(/^(\d{7}|\d{14})$/) readonly code!: string;
  @ApiProperty() @IsInt() @Min(1) @Max(100000) readonly childrenPerParent!: number;
}

export class RegisterProductDto {
  @ApiProperty({ description: 'Level-1 drug identification code (7 digits) or GTIN-14', example: '8696321' })
  @Matches(/^(\d{7}|\d{14})$/)
  readonly productCode!: string;
  @ApiPropertyOptional({ type: [PackagingLevelDto] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => PackagingLevelDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  readonly levels?: PackagingLevelDto[];
  @ApiProperty() @IsString() @Length(1, 200) readonly name!: string;
  @ApiProperty({ example: 'HepB' }) @IsString() @Length(1, 40) readonly vaccineType!: string;
  @ApiProperty() @IsString() @Length(1, 60) readonly approvalNo!: string;
  @ApiProperty() @IsString() readonly mahOrgCode!: string;
  @ApiProperty() @IsInt() @Min(1) @Max(100) readonly dosesPerUnit!: number;
  @ApiProperty({ type: StorageRangeDto }) @IsDefined() @ValidateNested() @Type(() => StorageRangeDto) readonly storageC!: StorageRangeDto;
  @ApiProperty() @IsInt() @Min(1) @Max(120) readonly shelfLifeMonths!: number;
  @ApiProperty({ enum: ['NIP', 'nonNIP'] }) @IsIn(['NIP', 'nonNIP']) readonly programme!: 'NIP' | 'nonNIP';
  @ApiProperty() @IsBoolean() readonly serialised!: boolean;
}

@ApiTags('products')
@Controller('v1/products')
export class ProductsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer')
  @ApiOperation({ summary: 'Register a product (ProductRegistered); the caller must be its MAH' })
  register(@Body() body: RegisterProductDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.registerProduct.handle(body, actor, commandMeta(req));
  }

  @Get(':productCode')
  @ApiOperation({ summary: 'A product' })
  async get(@Param('productCode') productCode: string): Promise<Record<string, unknown>> {
    const row = await this.runtime.readModels.product(productCode);
    if (!row) throw new ApiError('NOT_FOUND', `no product ${productCode}`);
    const { position: _position, storageMin, storageMax, ...rest } = row;
    return { ...rest, storageC: { min: storageMin, max: storageMax } };
  }
}
