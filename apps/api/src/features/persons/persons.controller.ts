import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor, type ErasureBasis, ID_TYPES, type IdType, nextDue, personRecordRead } from '@vaxledger/domain';
import { type Application, type CommandAnswer } from '@vaxledger/application';
import type { Request } from 'express';
import { PERSON_ID_PATTERN } from '@vaxledger/privacy';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { accessContextOf, recordAccess } from '../../audit/access-trail';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { enforce, personScope } from '../../auth/access';
import { canReadPersonRecord } from '../../auth/policy';

export class EraseDetailsDto {
  @ApiProperty({ enum: ['retention_expired', 'subject_request', 'duplicate_identity', 'court_order'] })
  @IsIn(['retention_expired', 'subject_request', 'duplicate_identity', 'court_order'])
  readonly legalBasis!: ErasureBasis;
}

export class LookupDto {
  @ApiProperty({ enum: ID_TYPES }) @IsIn(ID_TYPES) readonly idType!: IdType;
  @ApiProperty() @IsString() @Length(1, 40) readonly idNumber!: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[A-Z]{3}$/) readonly issuingState?: string;
}

interface Conflict {
  readonly code: 'DUPLICATE_DOSE_NUMBER';
  readonly vaccineType: string;
  readonly doseNumber: number;
  readonly eventIds: readonly string[];
  readonly crossProvince: boolean;
}

/** A person's record: the union of doses from every origin this node holds. */
@ApiTags('persons')
@Controller('v1/persons')
export class PersonsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post('lookup')
  @HttpCode(200)
  @Roles('clinic', 'cdc')
  @ApiOperation({ summary: 'Turn a presented ID document into the person’s pseudonym (the ID travels in the body, never a URL)' })
  async lookup(@Body() body: LookupDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<{ personId: string }> {
    return this.app.identifyPerson.handle(body, actor, accessContextOf(req, actor, 'treatment'));
  }

  private async completenessOf(personId: string): Promise<unknown> {
    const sync = this.runtime.sync!;
    return sync.history.completeness(personId, new Map(sync.inbox.lag().map((l) => [l.origin, l.upTo])));
  }

  @Get(':personId/record')
  @Roles('clinic', 'cdc', 'hub')
  @ApiOperation({ summary: 'Every dose of the person from every origin, series status and conflicts' })
  async record(@Param('personId') personId: string, @CurrentActor() actor: Actor, @Req() req: Request): Promise<Record<string, unknown>> {
    if (!PERSON_ID_PATTERN.test(personId))
      throw new ApiError('VALIDATION_FAILED', 'personId is a 28-character pseudonym starting p1', [
        { field: 'personId', reason: 'malformed' },
      ]);
    enforce(canReadPersonRecord(actor, await personScope(this.runtime, actor, personId)), 'no record of this person on this node');
    const access = accessContextOf(req, actor, 'treatment');
    const models = this.runtime.readModels;
    const position = models.position.toString();
    const [doses, person, details, aefi] = await Promise.all([
      models.doses(personId),
      models.person(personId),
      this.runtime.vault.readDetails(personId),
      models.aefi.reportsOfPerson(personId),
    ]);
    if (doses.length === 0 && !person) throw new ApiError('NOT_FOUND', 'no record of this person on this node');
    // Nothing is answered unless the read is in the audit trail.
    await recordAccess(
      this.runtime.store,
      this.runtime.settings.provinceCode,
      actor,
      access,
      personRecordRead({ personId, purpose: access.purpose, accessedAt: new Date().toISOString() }),
    );
    const valid = doses.filter((d) => d.status === 'valid');
    const types = [...new Set(valid.map((d) => d.vaccineType))].sort();
    const series = types.map((vaccineType) => {
      const status = nextDue(vaccineType, valid, details?.birthDate);
      return {
        vaccineType,
        dosesDone: status?.dosesDone ?? 0,
        nextDoseNumber: status?.nextDoseNumber ?? null,
        nextDueOn: status?.dueOn ?? null,
      };
    });
    // Derived the same way on every node: the same dose number of one vaccine twice.
    const conflicts: Conflict[] = [];
    const byKey = new Map<string, typeof valid>();
    for (const d of valid) byKey.set(`${d.vaccineType}|${d.doseNumber}`, [...(byKey.get(`${d.vaccineType}|${d.doseNumber}`) ?? []), d]);
    for (const group of byKey.values())
      if (group.length > 1)
        conflicts.push({
          code: 'DUPLICATE_DOSE_NUMBER',
          vaccineType: group[0]!.vaccineType,
          doseNumber: group[0]!.doseNumber,
          eventIds: group.map((d) => d.eventId).sort(),
          crossProvince: new Set(group.map((d) => d.originProvince)).size > 1,
        });
    return {
      personId,
      ...(details && !person?.erased ? { details } : {}),
      erased: person?.erased ?? false,
      // With sync on: per origin province, up to when this node holds all of the person's events.
      ...(this.runtime.sync ? { completeness: await this.completenessOf(personId) } : {}),
      doses: doses.map((d) => ({
        eventId: d.eventId,
        originProvince: d.originProvince,
        siteCode: d.siteCode,
        administeredAt: d.administeredAt,
        batchId: d.batchId,
        productCode: d.productCode,
        vaccineType: d.vaccineType,
        doseNumber: d.doseNumber,
        status: d.status,
      })),
      series,
      conflicts,
      // Adverse events following immunisation reported about this person (from any province).
      aefi: aefi.map((r) => ({
        reportId: r.reportId,
        reportProvince: r.reportProvince,
        doseEventIds: r.doses.map((d) => d.doseEventId),
        onsetAt: r.onsetAt,
        signs: r.signs,
        serious: r.serious,
        outcome: r.outcome,
        aefiClass: r.aefiClass,
      })),
      position,
    };
  }

  @Delete(':personId/details')
  @HttpCode(201)
  @Roles('cdc')
  @ApiOperation({
    summary:
      'Crypto-shredding (PersonDetailsErased): destroy the person’s data key so name, ID and birth date are gone everywhere; the doses stay',
  })
  async erase(
    @Param('personId') personId: string,
    @Body() body: EraseDetailsDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    if (!PERSON_ID_PATTERN.test(personId))
      throw new ApiError('VALIDATION_FAILED', 'personId is a 28-character pseudonym starting p1', [
        { field: 'personId', reason: 'malformed' },
      ]);
    return this.app.erasePersonDetails.handle({ personId, legalBasis: body.legalBasis }, actor, commandMeta(req));
  }
}
