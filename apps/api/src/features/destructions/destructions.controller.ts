import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor, siteDecider, siteStream } from '@vaxledger/domain';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import type { CommandAnswer, CommandExecutor } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { EXECUTOR, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { batchFactsById } from '@vaxledger/application';
import { foldHistory } from '@vaxledger/application';
import { INSTANT } from '../formats';
import { checkTraceCodes, LineDto } from '../shipments/shipments.controller';

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
    @Inject(EXECUTOR) private readonly executor: CommandExecutor,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Destroy units held at the caller’s site (UnitsDestroyed)' })
  async destroy(@Body() body: DestroyUnitsDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    checkTraceCodes(body.lines);
    const now = new Date().toISOString();
    const models = this.runtime.readModels;
    const { answer } = await this.executor.run({
      command: 'DestroyUnits',
      streamId: siteStream(actor.orgCode),
      resourceId: actor.orgCode,
      actor,
      body,
      ...commandMeta(req),
      decide: async (history) => {
        const batchIds = body.lines.map((l) => l.batchId);
        return siteDecider.decide(
          {
            type: 'DestroyUnits',
            data: { ...body, lines: body.lines.map((l) => ({ ...l })) },
            context: {
              now,
              actor,
              batches: await batchFactsById(models, batchIds),
              administeredHere: await models.administeredAtSite(actor.orgCode, batchIds),
            },
          },
          foldHistory(siteDecider, history),
        );
      },
    });
    return answer;
  }
}
