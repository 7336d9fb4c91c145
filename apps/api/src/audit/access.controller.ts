import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiTags, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { PERSON_ID_PATTERN } from '@vaxledger/privacy';
import { CurrentActor, Roles } from '../http/auth';
import { LogPageQuery } from '../http/log-page-query';
import { ApiError } from '../http/problem';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { RUNTIME } from '../infrastructure/tokens';
import { INSTANT } from '../features/formats';
import type { Actor } from '@vaxledger/domain';
import { enforce } from '../auth/access';
import { canReadAuditTrail } from '../auth/policy';

/** The audit trail's filters, paged like the log, or backwards from the newest read. */
export class AccessQuery extends LogPageQuery {
  /** `oldest` (default) pages forward with `after`; `newest` pages backward with `before`. */
  @ApiPropertyOptional({
    description: 'oldest (default): oldest first, the next page with `after`; newest: newest first, the next page with `before`',
    enum: ['oldest', 'newest'],
    default: 'oldest',
  })
  @IsOptional()
  @IsIn(['oldest', 'newest'])
  readonly order?: 'oldest' | 'newest';
  /** Items before this global position (decimal): the `next` of the previous page, newest first. */
  @ApiPropertyOptional({
    description: 'Items before this global position (decimal): the `next` of the previous page when `order=newest`',
    pattern: '^\\d{1,20}$',
  })
  @IsOptional()
  @Matches(/^\d{1,20}$/)
  readonly before?: string;
  /** Reads of this person (pseudonym). */
  @ApiPropertyOptional({ description: 'Reads of this person (pseudonym)', pattern: PERSON_ID_PATTERN.source })
  @IsOptional()
  @Matches(PERSON_ID_PATTERN)
  readonly personId?: string;
  /** Recall-impact exports of this batch. */
  @ApiPropertyOptional({ description: 'Recall-impact exports of this batch', example: '8696321-202611A017' })
  @IsOptional()
  @Matches(/^[0-9A-Za-z]{1,20}-[0-9A-Z]{1,20}$/)
  readonly batchId?: string;
  /** Reads by this organisation. */
  @ApiPropertyOptional({ description: 'Reads by this organisation', example: '12440300MB1B2345QN' })
  @IsOptional()
  @Matches(/^[0-9A-Z]{18}(?:-[0-9A-Za-z]{1,8})?$/)
  readonly orgCode?: string;
  /** RFC 3339 instant, inclusive. */
  @ApiPropertyOptional({ description: 'RFC 3339 instant, inclusive', format: 'date-time', pattern: INSTANT.source })
  @IsOptional()
  @Matches(INSTANT)
  readonly from?: string;
  /** RFC 3339 instant, exclusive. */
  @ApiPropertyOptional({ description: 'RFC 3339 instant, exclusive', format: 'date-time', pattern: INSTANT.source })
  @IsOptional()
  @Matches(INSTANT)
  readonly to?: string;
}

/** The audit trail of reads of personal data, for regulators. */
@ApiTags('audit')
@Controller('v1/audit')
export class AccessController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get('access')
  @Roles('regulator')
  @ApiOperation({
    summary:
      'Access events (person lookups, record reads, recall-impact exports), oldest first or with `order=newest` newest first; filter by person, batch, organisation, time',
  })
  async access(@Query() query: AccessQuery, @CurrentActor() actor: Actor): Promise<Record<string, unknown>> {
    enforce(canReadAuditTrail(actor, this.runtime.settings.provinceCode));
    const from = query.from ? new Date(query.from) : undefined;
    const to = query.to ? new Date(query.to) : undefined;
    if ((from && Number.isNaN(from.getTime())) || (to && Number.isNaN(to.getTime())))
      throw new ApiError('VALIDATION_FAILED', 'from and to must be real instants', [{ field: from ? 'to' : 'from', reason: 'not a date' }]);
    if (from && to && from > to)
      throw new ApiError('VALIDATION_FAILED', 'from must not be after to', [{ field: 'from', reason: 'after to' }]);
    const limit = query.limit ?? 100;
    const models = this.runtime.readModels;
    const position = models.position.toString();
    const rows = await models.accessEvents({
      ...(query.personId ? { personId: query.personId } : {}),
      ...(query.batchId ? { batchId: query.batchId } : {}),
      ...(query.orgCode ? { orgCode: query.orgCode } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      after: BigInt(query.after ?? '0'),
      ...(query.before !== undefined ? { before: BigInt(query.before) } : {}),
      newestFirst: query.order === 'newest',
      limit,
    });
    return {
      events: rows.map((r) => ({
        eventId: r.eventId,
        position: r.position,
        type: r.type,
        streamId: r.streamId,
        accessedAt: r.accessedAt.toISOString(),
        purpose: r.purpose,
        ...(r.personId ? { personId: r.personId } : {}),
        ...(r.batchId ? { batchId: r.batchId } : {}),
        actor: { orgCode: r.orgCode, role: r.role, provinceCode: r.provinceCode, ...(r.staffRef ? { staffRef: r.staffRef } : {}) },
        ...(Object.keys(r.detail).length > 0 ? { detail: r.detail } : {}),
      })),
      // Oldest first, `next` goes in `after`; newest first, in `before`.
      next: rows.length === limit ? rows[rows.length - 1]!.position : null,
      // The trail is listed as of this log position; reads after it appear on a later call.
      position,
    };
  }
}
