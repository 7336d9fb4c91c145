import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ID_TYPES, type IdType, nextDue } from '@vaxledger/domain';
import { PERSON_ID_PATTERN } from '@vaxledger/privacy';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { pseudonymFor } from '../doses/doses.controller';

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
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Post('lookup')
  @HttpCode(200)
  @Roles('clinic', 'cdc')
  @ApiOperation({ summary: 'Turn a presented ID document into the person’s pseudonym (the ID travels in the body, never a URL)' })
  lookup(@Body() body: LookupDto): { personId: string } {
    return { personId: pseudonymFor(this.runtime.settings.pseudonymSecret, body) };
  }

  @Get(':personId/record')
  @Roles('clinic', 'cdc', 'hub')
  @ApiOperation({ summary: 'Every dose of the person from every origin, series status and conflicts' })
  async record(@Param('personId') personId: string): Promise<Record<string, unknown>> {
    if (!PERSON_ID_PATTERN.test(personId))
      throw new ApiError('VALIDATION_FAILED', 'personId is a 28-character pseudonym starting p1', [
        { field: 'personId', reason: 'malformed' },
      ]);
    const models = this.runtime.readModels;
    const position = models.position.toString();
    const [doses, person, details] = await Promise.all([
      models.doses(personId),
      models.person(personId),
      this.runtime.vault.readDetails(personId),
    ]);
    if (doses.length === 0 && !person) throw new ApiError('NOT_FOUND', 'no record of this person on this node');
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
      position,
    };
  }
}
