import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor } from '@vaxledger/domain';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';

import { DATE } from '../formats';

export class ProduceBatchDto {
  @ApiProperty({ example: '8696321' }) @Matches(/^(\d{7}|\d{14})$/) readonly productCode!: string;
  @ApiProperty({ example: '202611A017' }) @IsString() readonly lotNumber!: string;
  @ApiProperty({ example: '2026-11-01' }) @Matches(DATE) readonly producedOn!: string;
  @ApiProperty({ example: '2028-10-31' }) @Matches(DATE) readonly expiresOn!: string;
  @ApiProperty({ description: 'Doses', example: 2 }) @IsInt() @Min(1) @Max(10_000_000) readonly quantity!: number;
  @ApiPropertyOptional({ type: [String], description: '20-digit unit trace codes (serialised products)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsString({ each: true })
  readonly traceCodes?: string[];
}

export class ReleaseBatchDto {
  @ApiProperty() @IsString() @Length(1, 80) readonly certificateNo!: string;
  @ApiProperty({ example: '2026-11-05' }) @Matches(DATE) readonly decidedOn!: string;
}

export class RefuseReleaseDto {
  @ApiProperty() @IsString() @Length(1, 500) readonly reason!: string;
  @ApiProperty() @Matches(DATE) readonly decidedOn!: string;
}

@ApiTags('batches')
@Controller('v1/batches')
export class BatchesController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer')
  @ApiOperation({ summary: 'Record a produced batch (BatchProduced); id = {productCode}-{lotNumber}' })
  produce(@Body() body: ProduceBatchDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.registerBatch.handle(body, actor, commandMeta(req));
  }

  @Post(':batchId/release')
  @HttpCode(201)
  @Roles('regulator')
  @ApiOperation({ summary: 'Grant lot release (BatchReleased); nothing ships or is given before it' })
  release(
    @Param('batchId') batchId: string,
    @Body() body: ReleaseBatchDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    return this.app.releaseBatch.handle({ batchId, ...body }, actor, commandMeta(req));
  }

  @Post(':batchId/release-refusal')
  @HttpCode(201)
  @Roles('regulator')
  @ApiOperation({ summary: 'Refuse lot release (BatchReleaseRefused); the batch may only be destroyed' })
  refuse(
    @Param('batchId') batchId: string,
    @Body() body: RefuseReleaseDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    return this.app.refuseRelease.handle({ batchId, ...body }, actor, commandMeta(req));
  }
}
