import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, UseInterceptors } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AefiQueueKind, Application, CommandAnswer } from '@vaxledger/application';
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
import { pageRequest } from '../paging';
import { AefiReportAnswerInterceptor } from './aefi-report-answer';
import { AcknowledgeAefiDto, AefiQueueQuery, ClassifyAefiDto, ReportAefiDto } from './aefi.dto';

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

/** A page of the queue: the shared `{ items, page, pageSize, total }`, the queue's overdue count, and the instant `overdue` was judged at. */
interface AefiQueueAnswer {
  readonly items: Record<string, unknown>[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly overdue: number;
  readonly asOf: string;
}

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
  @ApiOperation({
    summary: 'The caller’s queue: reports of its jurisdiction not yet acknowledged, paged, earliest deadline first',
    description:
      'Each person on the page is recorded in the access audit (PersonRecordRead) before the page is answered; `overdue` counts the overdue reports of the whole queue.',
  })
  queue(@Query() query: AefiQueueQuery, @CurrentActor() actor: Actor, @Req() req: Request): Promise<AefiQueueAnswer> {
    return this.page('open', query, actor, req);
  }

  @Get('overdue')
  @Roles('cdc', 'regulator')
  @ApiOperation({
    summary: 'Reports of the caller’s jurisdiction whose deadline (48 h, or 2 h) passed without acknowledgement, paged',
    description: 'Each person on the page is recorded in the access audit (PersonRecordRead) before the page is answered.',
  })
  overdue(@Query() query: AefiQueueQuery, @CurrentActor() actor: Actor, @Req() req: Request): Promise<AefiQueueAnswer> {
    return this.page('overdue', query, actor, req);
  }

  private async page(kind: AefiQueueKind, query: AefiQueueQuery, actor: Actor, req: Request): Promise<AefiQueueAnswer> {
    const now = this.clock();
    // Every report names a person: ListAefiQueue answers the page only once they are in the access trail.
    const access = accessContextOf(req, actor, 'public_health');
    const page = await this.app.listAefiQueue.handle(kind, aefiQueueFilter(actor), pageRequest(query, 'deadlineAt'), now, actor, access);
    return {
      items: page.items.map((r) => view(r, now)),
      page: page.page,
      pageSize: page.pageSize,
      total: page.total,
      overdue: page.overdue,
      asOf: now,
    };
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
