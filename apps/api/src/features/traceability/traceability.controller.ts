import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Request, Response } from 'express';
import { type Actor, addDays, localDateOf } from '@vaxledger/domain';
import { accessContextOf } from '../../audit/access-trail';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import type { Application } from '@vaxledger/application';
import { batchScope, enforce, requireBatch, siteScope } from '../../auth/access';
import { canSeeBatch, canSeeInventory, canSeeTraceCode } from '../../auth/policy';

export class RecipientsQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv']) readonly format?: 'json' | 'csv';
}

export class TraceQuery {
  @ApiPropertyOptional({
    enum: ['include', 'omit'],
    default: 'include',
    description:
      'omit: leave out the lists that grow (custody, onHand, administered); page them with GET /v1/batches/{batchId}/custody, /stock and /doses-by-site',
  })
  @IsOptional()
  @IsIn(['include', 'omit'])
  readonly lists?: 'include' | 'omit';
}

const csvCell = (value: string): string => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** The views regulators and CDCs ask of the supply chain. */
@ApiTags('traceability')
@Controller('v1')
export class TraceabilityController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Get('batches/:batchId/trace')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiOperation({ summary: 'A batch’s full traceability: release, recalls, custody chain, stock by site, doses by site' })
  async trace(
    @Param('batchId') batchId: string,
    @Query() query: TraceQuery,
    @CurrentActor() actor: Actor,
  ): Promise<Record<string, unknown>> {
    const models = this.runtime.readModels;
    const position = models.position.toString();
    const batch = await models.batch(batchId);
    if (!batch) throw new ApiError('NOT_FOUND', `no batch ${batchId}`);
    await requireBatch(this.runtime, actor, batchId, canSeeBatch);
    const [custody, stock, doses, transit, recalls] = await Promise.all([
      query.lists === 'omit' ? [] : models.custody(batchId),
      models.stockOfBatch(batchId),
      models.dosesBySite(batchId),
      models.inTransit({ batchId }),
      models.recallsOf(batchId),
    ]);
    const onHand = stock
      .filter((s) => s.available !== 0 || s.quarantined !== 0)
      .map((s) => ({ site: s.site, available: s.available, quarantined: s.quarantined }));
    const inTransit = transit.reduce((sum, t) => sum + t.quantity, 0);
    const administered = doses.filter((d) => d.count !== 0).map((d) => ({ site: d.siteCode, count: d.count }));
    const held = onHand.reduce((sum, s) => sum + s.available + s.quarantined, 0);
    const given = administered.reduce((sum, d) => sum + d.count, 0);
    const status = batch.recalled
      ? 'recalled'
      : batch.suspended
        ? 'suspended'
        : batch.releaseState === 'refused'
          ? 'release_refused'
          : batch.releaseState === 'released'
            ? 'released'
            : 'awaiting_release';
    return {
      batchId,
      productCode: batch.productCode,
      lotNumber: batch.lotNumber,
      producedOn: batch.producedOn,
      expiresOn: batch.expiresOn,
      quantity: batch.quantity,
      status,
      release: batch.release,
      recalls: recalls.map((r) => ({ recallId: r.recallId, kind: r.kind, level: r.level, lifted: r.lifted })),
      ...(query.lists === 'omit'
        ? {}
        : {
            custody: custody.map((c) => ({
              type: c.type,
              at: c.at,
              ...(c.fromSite ? { fromSite: c.fromSite } : {}),
              ...(c.toSite ? { toSite: c.toSite } : {}),
              quantity: c.quantity,
              eventId: c.eventId,
            })),
            onHand,
            administered,
          }),
      inTransit,
      destroyed: batch.destroyed,
      // What the ledger cannot place: produced minus everything it knows of.
      unaccounted: batch.quantity - held - inTransit - given - batch.destroyed,
      position,
    };
  }

  @Get('batches/:batchId/recipients')
  @Roles('regulator', 'cdc')
  @ApiOperation({ summary: 'Recall impact: every person dosed from the batch and every site holding it (?format=csv)' })
  async recipients(
    @Param('batchId') batchId: string,
    @Query() query: RecipientsQuery,
    @Res() response: Response,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<void> {
    // A recall-impact export lists people: ExportRecallImpact answers only once it is in the audit trail.
    const format = query.format ?? 'json';
    const { persons, holders, position } = await this.app.exportRecallImpact.handle(
      batchId,
      format,
      actor,
      accessContextOf(req, actor, 'recall_follow_up'),
    );
    if (query.format === 'csv') {
      const lines = [
        'personId,siteCode,administeredAt,originProvince',
        ...persons.map((p) => [p.personId, p.siteCode, p.administeredAt, p.originProvince].map(csvCell).join(',')),
      ];
      response.status(200).type('text/csv').setHeader('Content-Disposition', `attachment; filename="recipients-${batchId}.csv"`);
      response.send(`${lines.join('\n')}\n`);
      return;
    }
    response.status(200).json({
      batchId,
      persons,
      holders,
      position,
    });
  }

  @Get('trace-codes/:code')
  @ApiOperation({ summary: 'Where a coded unit is and what became of it' })
  async traceCode(@Param('code') raw: string, @CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const code = raw.replace(/[\s-]/g, '');
    if (!/^\d{20}$/.test(code))
      throw new ApiError('VALIDATION_FAILED', 'a trace code is 20 digits', [{ field: 'code', reason: 'INVALID_TRACE_CODE' }]);
    const row = await this.runtime.readModels.traceCode(code);
    // A unit outside the caller's reach answers exactly like one the ledger never saw.
    const visible =
      row && canSeeTraceCode(actor, { holderSite: row.holderSite, batch: await batchScope(this.runtime.readModels, row.batchId) });
    if (!row || visible !== 'allow') return { code, batchId: null, level: null, holder: null, state: 'unknown' };
    const batch = await this.runtime.readModels.batch(row.batchId);
    const state = batch?.recalled && row.state === 'in_stock' ? 'recalled' : row.state;
    return {
      code,
      batchId: row.batchId,
      level: row.level,
      holder: row.holderSite,
      state,
      ...(row.dosesDrawn > 0 ? { administered: `${row.dosesDrawn}/${row.dosesPerUnit}` } : {}),
    };
  }

  @Get('sites/:orgCode/inventory')
  @Roles('clinic', 'cdc', 'regulator', 'manufacturer')
  @ApiOperation({ summary: 'A site’s stock per batch' })
  async inventory(@Param('orgCode') site: string, @CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    const models = this.runtime.readModels;
    enforce(canSeeInventory(actor, await siteScope(models, site)), `no site ${site}`);
    const position = models.position.toString();
    const [stock, transit] = await Promise.all([models.stockOfSite(site), models.inTransit({ toSite: site })]);
    const batchIds = [...new Set([...stock.map((s) => s.batchId), ...transit.map((t) => t.batchId)])];
    const batches = new Map((await models.batches(batchIds)).map((b) => [b.batchId, b]));
    const today = localDateOf(new Date().toISOString());
    const soon = addDays(today, 30);
    return {
      site,
      batches: batchIds.sort().map((batchId) => {
        const s = stock.find((x) => x.batchId === batchId);
        const b = batches.get(batchId);
        return {
          batchId,
          available: s?.available ?? 0,
          quarantined: s?.quarantined ?? 0,
          expiresOn: b?.expiresOn ?? null,
          expired: b ? b.expiresOn < today : false,
          expiringWithin30Days: b ? b.expiresOn >= today && b.expiresOn <= soon : false,
          recalled: b ? b.recalled || b.suspended : false,
          inTransit: transit.filter((t) => t.batchId === batchId).reduce((sum, t) => sum + t.quantity, 0),
        };
      }),
      position,
    };
  }
}
