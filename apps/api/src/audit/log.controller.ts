import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { RecordedEvent } from '@vaxledger/event-store';
import { Roles } from '../http/auth';
import { LogPageQuery } from '../http/log-page-query';
import { ApiError } from '../http/problem';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { RUNTIME } from '../infrastructure/tokens';
import { type Actor, isLocalOnlyStream } from '@vaxledger/domain';
import { enforce } from '../auth/access';
import { canReadLog, canReadStream } from '../auth/policy';
import { CurrentActor } from '../http/auth';

/** The global log after a position. */
export class EventsQuery extends LogPageQuery {}

const render = (e: RecordedEvent): Record<string, unknown> => ({
  position: e.position.toString(),
  eventId: e.eventId,
  type: e.type,
  schemaVersion: e.schemaVersion,
  streamId: e.streamId,
  revision: e.revision,
  recordedAt: e.recordedAt.toISOString(),
  data: e.data,
  metadata: e.metadata,
});

/** Raw access to the log for auditors (regulators) and the hub. */
@ApiTags('audit')
@Controller('v1')
export class LogController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get('streams/:streamId')
  @Roles('regulator')
  @ApiOperation({ summary: 'The raw events of one stream, in order' })
  async stream(
    @Param('streamId') streamId: string,
    @CurrentActor() actor: Actor,
  ): Promise<{ streamId: string; events: Record<string, unknown>[] }> {
    if (!/^[a-z]+-[0-9A-Za-z-]{1,120}$/.test(streamId))
      throw new ApiError('VALIDATION_FAILED', 'malformed stream id', [{ field: 'streamId', reason: 'malformed' }]);
    enforce(canReadStream(actor, streamId), `no stream ${streamId}`);
    const events = await this.runtime.store.readStream(streamId);
    if (events.length === 0) throw new ApiError('NOT_FOUND', `no stream ${streamId}`);
    return { streamId, events: events.map(render) };
  }

  @Get('events')
  @Roles('regulator', 'hub')
  @ApiOperation({ summary: 'The global log after a position, at most 1000 events' })
  async events(
    @Query() query: EventsQuery,
    @CurrentActor() actor: Actor,
  ): Promise<{ events: Record<string, unknown>[]; next: string | null }> {
    enforce(canReadLog(actor));
    const limit = query.limit ?? 100;
    const events = await this.runtime.store.readAll({ after: BigInt(query.after ?? '0'), limit });
    // The access trail stays on its node: the hub carries facts, not who looked at them.
    const shown = actor.role === 'hub' ? events.filter((e) => !isLocalOnlyStream(e.streamId)) : events;
    return {
      events: shown.map(render),
      next: events.length === limit ? events[events.length - 1]!.position.toString() : null,
    };
  }
}
