import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, type OnModuleDestroy, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Application } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import type { Request, Response } from 'express';
import { CurrentActor, Roles } from '../../../http/auth';
import { ApiError } from '../../../http/problem';
import type { NodeRuntime } from '../../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../../infrastructure/tokens';
import { CBV_VERSION, EPCIS_VERSION } from '../epcis-events';
import { CaptureJobs } from './capture-jobs';
import { CaptureRunner, EPCIS_EVENT_ID_LOCKS } from './capture-runner';
import { contextPrefixes } from './cbv-event-hash';

/** Events per captured document (a 10,000-unit commissioning is one event; a document of 10,000 events is the benchmark). */
export const MAX_CAPTURE_EVENTS = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const versioned = (res: Response): Response => res.setHeader('GS1-EPCIS-Version', EPCIS_VERSION).setHeader('GS1-CBV-Version', CBV_VERSION);

/**
 * EPCIS 2.0 capture interface: a document is accepted as a job (202 + Location) and its events
 * run through the same use-case handlers, role gates and DTO checks as /v1 (capture-runner.ts).
 */
@ApiTags('epcis')
@Controller('epcis/capture')
export class EpcisCaptureController implements OnModuleDestroy {
  private readonly jobs: CaptureJobs;
  /** Jobs still running: a node that shuts down lets them finish first. */
  private readonly pending = new Set<Promise<void>>();
  private readonly runner: CaptureRunner;

  constructor(@Inject(RUNTIME) runtime: NodeRuntime, @Inject(APPLICATION) app: Application) {
    this.jobs = new CaptureJobs(runtime.readModels.dataSource, runtime.readModels.schema);
    this.runner = new CaptureRunner(
      app,
      runtime.readModels,
      this.jobs,
      async () => {
        await runtime.readModels.runner.waitFor(await runtime.store.latestPosition(), runtime.settings.projectionWaitMs);
      },
      runtime.advisoryLocks(EPCIS_EVENT_ID_LOCKS),
    );
  }

  @Post()
  @HttpCode(202)
  @Roles('manufacturer', 'regulator', 'cdc', 'clinic')
  @ApiOperation({ summary: 'Capture an EPCISDocument (application/ld+json or application/json): 202 and Location of the capture job' })
  async capture(@Body() document: unknown, @CurrentActor() actor: Actor, @Req() req: Request, @Res() res: Response): Promise<void> {
    const doc = document as { type?: unknown; epcisBody?: { eventList?: unknown } } | null;
    if (typeof doc !== 'object' || doc === null || doc.type !== 'EPCISDocument' || !Array.isArray(doc.epcisBody?.eventList))
      throw new ApiError('VALIDATION_FAILED', 'the body is an EPCISDocument with epcisBody.eventList', [
        { field: 'epcisBody.eventList', reason: 'missing' },
      ]);
    const events = doc.epcisBody.eventList as unknown[];
    if (events.length === 0 || events.length > MAX_CAPTURE_EVENTS)
      throw new ApiError('VALIDATION_FAILED', `a captured document holds 1 to ${MAX_CAPTURE_EVENTS} events`, [
        { field: 'epcisBody.eventList', reason: 'size' },
      ]);
    const captureId = randomUUID();
    await this.jobs.create(captureId, actor.orgCode, events.length);
    const id = (req as Request & { id?: unknown }).id;
    // The job runs after the answer; its outcome is read at the Location.
    const running = this.runner.run(captureId, { events, context: contextPrefixes(doc) }, actor, typeof id === 'string' ? id : captureId);
    this.pending.add(running);
    void running.finally(() => this.pending.delete(running));
    versioned(res).status(202).location(`/epcis/capture/${captureId}`).json({ captureID: captureId });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  @Get(':captureId')
  @Roles('manufacturer', 'regulator', 'cdc', 'clinic')
  @ApiOperation({ summary: 'A capture job: running, success or failed, with per-event errors (our stable codes)' })
  async job(@Param('captureId') captureId: string, @CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    if (!UUID.test(captureId))
      throw new ApiError('VALIDATION_FAILED', 'a capture id is a UUID', [{ field: 'captureId', reason: 'malformed' }]);
    const job = await this.jobs.get(captureId, actor.orgCode);
    if (!job) throw new ApiError('NOT_FOUND', `no capture job ${captureId}`);
    versioned(res)
      .status(200)
      .json({
        captureID: job.captureId,
        createdAt: job.createdAt.toISOString(),
        ...(job.finishedAt ? { finishedAt: job.finishedAt.toISOString() } : {}),
        running: job.status === 'running',
        success: job.status === 'success',
        status: job.status,
        eventCount: job.eventCount,
        appendedEvents: job.appendedEvents,
        errors: job.errors,
      });
  }
}
