import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import type { AefiReportRow } from '@vaxledger/projections';
import type { Request } from 'express';
import { batchScope, requireBatch } from '../../auth/access';
import { aefiQueueFilter, canSeeAefiSignal, canSeeBatchAefi } from '../../auth/policy';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import { accessContextOf } from '../../audit/access-trail';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, CLOCK, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { AefiReportAnswerInterceptor } from './aefi-report-answer';
import { AcknowledgeAefiDto, ClassifyAefiDto, ReportAefiDto } from './aefi.dto';

type Clock = () => string;

const uuid = (name: string): ParseUUIDPipe =>
  new ParseUUIDPipe({
    exceptionFactory: () => new ApiError('VALIDATION_FAILED', `${name} must be a UUID`, [{ field: name, reason: 'not a UUID' }]),
  });

/** A report as answered: pseudonymous; the narrative stays in the reporter's vault. */
const view = (r: AefiReportRow, now: string): Record<string, unknown> => ({
  reportId: r.reportId,
  reportProvince: r.reportProvince,
  personId: r.personId,
  reporterSite: r.reporterSite,
  doses: r.doses,
  discoveredAt: r.discoveredAt,
  onsetAt: r.onsetAt,
  signs: r.signs,
  serious: r.serious,
  seriousCriteria: r.seriousCriteria,
  cluster: r.cluster,
  majorPublicImpact: r.majorPublicImpact,
  outcome: r.outcome,
  urgent: r.urgent,
  deadlineAt: r.deadlineAt?.toISOString() ?? null,
  acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
  overdue: r.acknowledgedAt === null && r.deadlineAt !== null && r.deadlineAt.getTime() < Date.parse(now),
  // Taken after its deadline: once acknowledged a report is no longer overdue, but stays late.
  acknowledgedLate: r.acknowledgedAt !== null && r.deadlineAt !== null && r.acknowledgedAt.getTime() > r.deadlineAt.getTime(),
  aefiClass: r.aefiClass,
  narrativeInVault: r.narrativeInVault,
});

/** Adverse events following immunisation: report, take the card, classify; queues and signals. */
@ApiTags('aefi')
@Controller('v1/aefi')
export class AefiController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('clinic', 'cdc')
  @UseInterceptors(AefiReportAnswerInterceptor)
  @ApiOperation({
    summary: 'Report an adverse event following immunisation (AdverseEventReported); id = reportId',
    description:
      'The answer adds how the report was recorded: `serious`, `urgent`, `deadlineAt`, and `seriousFromCriteria: true` when it was sent with `serious: false` but its seriousness criteria or a death make it serious (recorded so, on the 2-hour clock).',
  })
  create(@Body() body: ReportAefiDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.reportAefi.handle(body, actor, commandMeta(req));
  }

  @Post(':reportId/acknowledgement')
  @HttpCode(201)
  @Roles('cdc')
  @ApiOperation({ summary: 'The county CDC of vaccination takes the card (AefiAcknowledged): the reporting clock stops' })
  acknowledge(
    @Param('reportId', uuid('reportId')) reportId: string,
    @Body() _body: AcknowledgeAefiDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    return this.app.acknowledgeAefi.handle(reportId, actor, commandMeta(req));
  }

  @Post(':reportId/classification')
  @HttpCode(201)
  @Roles('cdc', 'regulator')
  @ApiOperation({ summary: 'Classify a report (AefiClassified); a later class replaces an earlier one' })
  classify(
    @Param('reportId', uuid('reportId')) reportId: string,
    @Body() body: ClassifyAefiDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    return this.app.classifyAefi.handle({ reportId, aefiClass: body.aefiClass }, actor, commandMeta(req));
  }

  @Get()
  @Roles('cdc', 'regulator')
  @ApiOperation({ summary: 'The caller’s queue: reports of its jurisdiction not yet acknowledged, earliest deadline first' })
  async queue(@CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const now = this.clock();
    const rows = await this.runtime.readModels.aefi.open(aefiQueueFilter(actor));
    return { reports: rows.map((r) => view(r, now)), position: this.runtime.readModels.position.toString() };
  }

  @Get('overdue')
  @Roles('cdc', 'regulator')
  @ApiOperation({ summary: 'Reports of the caller’s jurisdiction whose deadline (48 h, or 2 h) passed without acknowledgement' })
  async overdue(@CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const now = this.clock();
    const rows = await this.runtime.readModels.aefi.overdue(new Date(now), aefiQueueFilter(actor));
    return { asOf: now, reports: rows.map((r) => view(r, now)), position: this.runtime.readModels.position.toString() };
  }

  @Get('signals')
  @Roles('regulator', 'manufacturer')
  @ApiOperation({ summary: 'AEFI signals raised on batches the caller may see (AefiSignalRaised), with any recalls of them' })
  async signals(@CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const models = this.runtime.readModels;
    const visible = [];
    for (const signal of await models.aefi.signals()) {
      if (canSeeAefiSignal(actor, await batchScope(models, signal.batchId)) !== 'allow') continue;
      const recalls = await models.recallsOf(signal.batchId);
      visible.push({
        signalId: signal.signalId,
        batchId: signal.batchId,
        productCode: signal.productCode,
        originProvince: signal.originProvince,
        raisedAt: signal.raisedAt,
        ...signal.statistics,
        recallIds: recalls.map((r) => r.recallId),
      });
    }
    return { signals: visible, position: models.position.toString() };
  }

  @Get(':reportId')
  @Roles('clinic', 'cdc', 'regulator')
  @ApiOperation({ summary: 'One report, pseudonymous (the narrative stays in the reporter’s vault)' })
  async one(
    @Param('reportId', uuid('reportId')) reportId: string,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<Record<string, unknown>> {
    // It ties a person to a health event: the read goes in the access trail before the answer,
    // exactly as the FHIR AdverseEvent read of the same report does (one use case for both).
    const access = accessContextOf(req, actor, actor.role === 'clinic' ? 'treatment' : 'public_health');
    const row = await this.app.readAefiReport.handle(reportId, actor, access, `no AEFI report ${reportId}`);
    return view(row, this.clock());
  }
}

/** `GET /v1/batches/{batchId}/aefi`: the AEFI-by-batch view. */
@ApiTags('aefi')
@Controller('v1/batches')
export class BatchAefiController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':batchId/aefi')
  @Roles('regulator', 'cdc', 'manufacturer')
  @ApiOperation({ summary: 'Reports on a batch by seriousness and class, the rate per 100,000 doses (all provinces), signals' })
  async batch(@Param('batchId') batchId: string, @CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    await requireBatch(this.runtime, actor, batchId, canSeeBatchAefi);
    const models = this.runtime.readModels;
    const now = this.clock();
    const [summary, reports, signals] = await Promise.all([
      models.aefi.batchSummary(batchId),
      models.aefi.reportsOfBatch(batchId),
      models.aefi.signals({ batchId }),
    ]);
    return {
      ...summary,
      reportList: reports.map((r) => {
        const { personId: _hidden, ...rest } = view(r, now);
        return rest;
      }),
      signals: signals.map((s) => ({ signalId: s.signalId, raisedAt: s.raisedAt, originProvince: s.originProvince, ...s.statistics })),
      position: models.position.toString(),
    };
  }
}
