import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor } from '@vaxledger/domain';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';

import { INSTANT } from '../formats';
import { enforce, recallScope } from '../../auth/access';
import { canSeeRecall } from '../../auth/policy';
const REASONS = ['quality_defect', 'safety_signal', 'cold_chain', 'counterfeit', 'labelling', 'other'] as const;
const ACTIONS = ['stop_use', 'quarantine', 'return', 'destroy'] as const;

export class IssueRecallDto {
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsString({ each: true }) readonly batchIds!: string[];
  @ApiProperty({ enum: ['recall', 'suspension'] }) @IsIn(['recall', 'suspension']) readonly kind!: 'recall' | 'suspension';
  @ApiProperty({ enum: [1, 2, 3] }) @IsIn([1, 2, 3]) readonly level!: 1 | 2 | 3;
  @ApiProperty({ enum: ['voluntary', 'ordered'] }) @IsIn(['voluntary', 'ordered']) readonly initiation!: 'voluntary' | 'ordered';
  @ApiProperty({ enum: REASONS }) @IsIn(REASONS) readonly reasonCode!: (typeof REASONS)[number];
  @ApiProperty() @IsString() @Length(1, 2000) readonly reasonText!: string;
  @ApiProperty() @Matches(INSTANT) readonly effectiveAt!: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @Matches(/^\d{6}$/, { each: true }) readonly provinces?: string[];
  @ApiProperty({ enum: ACTIONS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ACTIONS, { each: true })
  readonly actions!: (typeof ACTIONS)[number][];
  @ApiProperty({ enum: ['none', 'notify', 'revaccinate'] }) @IsIn(['none', 'notify', 'revaccinate']) readonly personFollowUp!:
    'none' | 'notify' | 'revaccinate';
}

export class LiftRecallDto {
  @ApiProperty({ enum: ['cleared', 'issued_in_error'] }) @IsIn(['cleared', 'issued_in_error']) readonly reasonCode!:
    'cleared' | 'issued_in_error';
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @IsString({ each: true }) readonly batchIds?: string[];
}

@ApiTags('recalls')
@Controller('v1/recalls')
export class RecallsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer', 'regulator')
  @ApiOperation({ summary: 'Recall or suspend batches (BatchRecalled); doses from them are refused afterwards' })
  issue(@Body() body: IssueRecallDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.launchRecall.handle(body, actor, commandMeta(req));
  }

  @Post(':recallId/lift')
  @HttpCode(201)
  @Roles('regulator')
  @ApiOperation({ summary: 'Lift a suspension, or a recall issued in error (RecallLifted)' })
  lift(
    @Param('recallId') recallId: string,
    @Body() body: LiftRecallDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    return this.app.liftRecall.handle({ recallId, ...body }, actor, commandMeta(req));
  }

  @Get(':recallId')
  @ApiOperation({ summary: 'A recall and its progress (returns, destructions, doses given before it)' })
  async get(@Param('recallId') recallId: string, @CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const recall = await this.runtime.readModels.recall(recallId);
    if (!recall) throw new ApiError('NOT_FOUND', `no recall ${recallId}`);
    enforce(canSeeRecall(actor, await recallScope(this.runtime.readModels, recall)), `no recall ${recallId}`);
    const progress = [];
    for (const batchId of recall.batchIds) {
      const batch = await this.runtime.readModels.batch(batchId);
      const stock = await this.runtime.readModels.stockOfBatch(batchId);
      progress.push({
        batchId,
        destroyed: batch?.destroyed ?? 0,
        administered: batch?.administered ?? 0,
        stillHeld: stock
          .filter((s) => s.available + s.quarantined > 0)
          .map((s) => ({ site: s.site, available: s.available, quarantined: s.quarantined })),
      });
    }
    return {
      recallId,
      ...recall.details,
      lifted: recall.lifted,
      lift: recall.lift,
      progress,
      position: this.runtime.readModels.position.toString(),
    };
  }
}
