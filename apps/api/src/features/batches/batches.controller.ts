import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  type Actor,
  batchDecider,
  batchIdOf,
  batchStream,
  lotReleaseDecider,
  lotReleaseStream,
  parseLotNumber,
  parseTraceCode,
  RuleViolation,
} from '@vaxledger/domain';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import type { CommandAnswer, CommandExecutor } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { EXECUTOR, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { productFacts } from '@vaxledger/application';
import { foldHistory } from '@vaxledger/application';

import { DATE } from '../formats';
import { requireBatch } from '../../auth/access';
import { canDecideRelease } from '../../auth/policy';

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
    @Inject(EXECUTOR) private readonly executor: CommandExecutor,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('manufacturer')
  @ApiOperation({ summary: 'Record a produced batch (BatchProduced); id = {productCode}-{lotNumber}' })
  async produce(@Body() body: ProduceBatchDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    const lot = parseLotNumber(body.lotNumber);
    if (!lot.ok) throw new RuleViolation('INVALID_LOT_NUMBER', 'lotNumber must be 1–20 letters and digits', 'lotNumber');
    const traceCodes = body.traceCodes?.map((raw, i) => {
      const code = parseTraceCode(raw);
      if (!code.ok) throw new RuleViolation('INVALID_TRACE_CODE', `traceCodes[${i}] is not a 20-digit trace code`, `traceCodes[${i}]`);
      return code.value as string;
    });
    const batchId = batchIdOf(body.productCode, lot.value);
    const now = new Date().toISOString();
    const { answer } = await this.executor.run({
      command: 'ProduceBatch',
      streamId: batchStream(batchId),
      resourceId: batchId,
      actor,
      body,
      ...commandMeta(req),
      decide: async (history) => {
        const product = await this.runtime.readModels.product(body.productCode);
        const used = traceCodes ? await this.runtime.readModels.knownTraceCodes(traceCodes) : [];
        return batchDecider.decide(
          {
            type: 'ProduceBatch',
            data: {
              productCode: body.productCode,
              lotNumber: lot.value,
              producedOn: body.producedOn,
              expiresOn: body.expiresOn,
              quantity: body.quantity,
              ...(traceCodes ? { traceCodes } : {}),
            },
            context: { now, actor, product: product ? productFacts(product) : null, usedTraceCodes: used },
          },
          foldHistory(batchDecider, history),
        );
      },
    });
    return answer;
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
    return this.decideRelease(
      batchId,
      { type: 'ReleaseBatch', data: { batchId, certificateNo: body.certificateNo, decidedOn: body.decidedOn } },
      body,
      actor,
      req,
    );
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
    return this.decideRelease(
      batchId,
      { type: 'RefuseRelease', data: { batchId, reason: body.reason, decidedOn: body.decidedOn } },
      body,
      actor,
      req,
    );
  }

  private async decideRelease(
    batchId: string,
    command:
      | { type: 'ReleaseBatch'; data: { batchId: string; certificateNo: string; decidedOn: string } }
      | { type: 'RefuseRelease'; data: { batchId: string; reason: string; decidedOn: string } },
    body: unknown,
    actor: Actor,
    req: Request,
  ): Promise<CommandAnswer> {
    const now = new Date().toISOString();
    const { answer } = await this.executor.run({
      command: command.type,
      streamId: lotReleaseStream(batchId),
      resourceId: batchId,
      actor,
      body,
      ...commandMeta(req),
      decide: async (history) => {
        await requireBatch(
          this.runtime,
          actor,
          batchId,
          canDecideRelease,
          () => new RuleViolation('UNKNOWN_BATCH', `no batch ${batchId}`, 'batchId'),
        );
        const batch = await this.runtime.readModels.batch(batchId);
        const context = { now, actor, batch: batch ? { producedOn: batch.producedOn, expiresOn: batch.expiresOn } : null };
        return lotReleaseDecider.decide(
          { ...command, context } as Parameters<typeof lotReleaseDecider.decide>[0],
          foldHistory(lotReleaseDecider, history),
        );
      },
    });
    return answer;
  }
}
