import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor } from '@vaxledger/domain';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { INSTANT } from '../formats';
import { LineDto } from '../shipments/shipments.controller';

const REASONS = ['expired', 'recalled', 'cold_chain', 'damaged', 'release_refused', 'opened_vial', 'other'] as const;

export class DestroyUnitsDto {
  @ApiProperty() @Matches(INSTANT) readonly destroyedAt!: string;
  @ApiProperty({ type: [LineDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => LineDto)
  readonly lines!: LineDto[];
  @ApiProperty({ enum: REASONS }) @IsIn(REASONS) readonly reasonCode!: (typeof REASONS)[number];
  @ApiProperty() @IsString() @Length(1, 60) readonly executorRef!: string;
  @ApiProperty() @IsString() @Length(1, 60) readonly supervisorRef!: string;
  @ApiProperty() @IsString() readonly supervisorOrgCode!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 80) readonly recallId?: string;
}

@ApiTags('destructions')
@Controller('v1/destructions')
export class DestructionsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Destroy units held at the caller’s site (UnitsDestroyed)' })
  destroy(@Body() body: DestroyUnitsDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.destroyUnits.handle(body, actor, commandMeta(req));
  }
}
