import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Application } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import type { Request } from 'express';
import { accessContextOf } from '../../audit/access-trail';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import { APPLICATION } from '../../infrastructure/tokens';
import { adverseEventOf } from './fhir-adverse-event';
import type { FhirResource } from './fhir-resources';
import { ReadsOwnQuery } from '../../http/undeclared-query.interceptor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An AEFI report as an R4 AdverseEvent: the same callers as `GET /v1/aefi/{reportId}`, audited like a record read. */
@ApiTags('fhir')
@ReadsOwnQuery()
@Controller('fhir')
export class FhirAdverseEventController {
  constructor(@Inject(APPLICATION) private readonly app: Application) {}

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
    // It names a person: ReadAefiReport puts the read in the audit trail before it is answered.
    const access = accessContextOf(req, actor, 'treatment');
    const report = await this.app.readAefiReport.handle(reportId, actor, access, `no AdverseEvent ${reportId}`);
    return adverseEventOf(report);
  }
}
