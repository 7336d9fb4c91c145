import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Actor, personRecordRead } from '@vaxledger/domain';
import type { Request } from 'express';
import { accessContextOf, recordAccess } from '../../audit/access-trail';
import { enforce } from '../../auth/access';
import { canSeeAefi } from '../../auth/policy';
import { aefiScope } from '../../features/aefi/aefi-scope';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { adverseEventOf } from './fhir-adverse-event';
import type { FhirResource } from './fhir-resources';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An AEFI report as an R4 AdverseEvent: the same callers as `GET /v1/aefi/{reportId}`, audited like a record read. */
@ApiTags('fhir')
@Controller('fhir')
export class FhirAdverseEventController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get('AdverseEvent/:reportId')
  @Roles('clinic', 'cdc', 'regulator')
  @Header('Content-Type', 'application/fhir+json; charset=utf-8')
  @ApiOperation({ summary: 'One AEFI report as an AdverseEvent (its id is the reportId)' })
  async read(@Param('reportId') reportId: string, @CurrentActor() actor: Actor, @Req() req: Request): Promise<FhirResource> {
    for (const name of Object.keys(req.query))
      if (name !== '_format')
        throw new ApiError('VALIDATION_FAILED', `unknown parameter ${name} (allowed: _format)`, [
          { field: name, reason: 'unknown parameter' },
        ]);
    if (!UUID.test(reportId))
      throw new ApiError('VALIDATION_FAILED', 'the AdverseEvent id is a report id (a lower-case UUID)', [
        { field: 'reportId', reason: 'malformed' },
      ]);
    const hidden = `no AdverseEvent ${reportId}`;
    const report = await this.runtime.readModels.aefi.report(reportId);
    if (!report?.reported || !report.personId) throw new ApiError('NOT_FOUND', hidden);
    enforce(canSeeAefi(actor, await aefiScope(this.runtime.readModels, report)), hidden);
    // It names a person: the read is in the audit trail before it is answered.
    const access = accessContextOf(req, actor, 'treatment');
    await recordAccess(
      this.runtime.store,
      this.runtime.settings.provinceCode,
      actor,
      access,
      personRecordRead({ personId: report.personId, purpose: access.purpose, accessedAt: new Date().toISOString() }),
    );
    return adverseEventOf(report);
  }
}
