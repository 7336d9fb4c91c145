import { Body, Controller, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  type Actor,
  ID_TYPES,
  type IdType,
  localDateOf,
  normalisePersonIdentifier,
  personDecider,
  personStream,
  pseudonymInput,
  RuleViolation,
} from '@vaxledger/domain';
import { personPseudonym } from '@vaxledger/privacy';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { CommandAnswer, CommandExecutor } from '../../infrastructure/command-executor';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { EXECUTOR, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { batchFacts } from '../facts';
import { foldHistory } from '../fold';
import { DATE, INSTANT } from '../formats';
import { enforce, siteScope } from '../../auth/access';
import { canVoidDose, PERSON_GRANT_TTL_MS, siteOf } from '../../auth/policy';

export class PersonDto {
  @ApiProperty({ enum: ID_TYPES }) @IsIn(ID_TYPES) readonly idType!: IdType;
  @ApiProperty({ example: '510104199003071237' }) @IsString() @Length(1, 40) readonly idNumber!: string;
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-3, passports only' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/)
  readonly issuingState?: string;
  @ApiProperty() @IsString() @Length(1, 100) readonly name!: string;
  @ApiProperty({ example: '1990-03-07' }) @Matches(DATE) readonly birthDate!: string;
  @ApiProperty({ enum: ['M', 'F', 'U'] }) @IsIn(['M', 'F', 'U']) readonly sex!: 'M' | 'F' | 'U';
}

export class OverrideDto {
  @ApiProperty() @IsString() @Length(1, 40) readonly code!: string;
  @ApiProperty() @IsString() @Length(1, 500) readonly reason!: string;
}

export class RecordDoseDto {
  @ApiProperty({ type: PersonDto }) @ValidateNested() @Type(() => PersonDto) readonly person!: PersonDto;
  @ApiProperty({ example: '8696321-202611A017' }) @IsString() @Length(3, 60) readonly batchId!: string;
  @ApiPropertyOptional({ description: 'Required for serialised products' }) @IsOptional() @IsString() readonly traceCode?: string;
  @ApiProperty() @IsInt() @Min(1) @Max(20) readonly doseNumber!: number;
  @ApiProperty() @Matches(INSTANT) readonly administeredAt!: string;
  @ApiProperty({ enum: ['IM', 'SC', 'ID', 'PO', 'IN'] }) @IsIn(['IM', 'SC', 'ID', 'PO', 'IN']) readonly route!:
    'IM' | 'SC' | 'ID' | 'PO' | 'IN';
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 40) readonly bodySite?: string;
  @ApiProperty() @IsString() @Length(1, 60) readonly vaccinatorRef!: string;
  @ApiPropertyOptional({ type: OverrideDto }) @IsOptional() @ValidateNested() @Type(() => OverrideDto) readonly override?: OverrideDto;
}

export class EnteredInErrorDto {
  @ApiProperty({ enum: ['did_not_occur', 'wrong_person', 'duplicate_entry', 'other'] })
  @IsIn(['did_not_occur', 'wrong_person', 'duplicate_entry', 'other'])
  readonly reasonCode!: 'did_not_occur' | 'wrong_person' | 'duplicate_entry' | 'other';
}

const todayInChina = (): string => localDateOf(new Date().toISOString());

/** Pseudonymise a presented identity document: the only place an ID number is handled. */
export const pseudonymFor = (secret: string, person: { idType: IdType; idNumber: string; issuingState?: string | undefined }): string => {
  const normalised = normalisePersonIdentifier(
    { idType: person.idType, idNumber: person.idNumber, ...(person.issuingState ? { issuingState: person.issuingState } : {}) },
    todayInChina(),
  );
  if (!normalised.ok)
    throw new RuleViolation(
      'INVALID_PERSON_ID',
      `person.idNumber is not a valid ${person.idType} (${normalised.reason})`,
      'person.idNumber',
    );
  return personPseudonym(secret, pseudonymInput(normalised.value));
};

@ApiTags('doses')
@Controller('v1/doses')
export class DosesController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(EXECUTOR) private readonly executor: CommandExecutor,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('clinic')
  @ApiOperation({ summary: 'Record a dose given at the caller’s site (DoseAdministered); id = the person’s pseudonym' })
  async record(@Body() body: RecordDoseDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    const { settings, readModels: models, vault } = this.runtime;
    const personId = pseudonymFor(settings.pseudonymSecret, body.person);
    if (body.traceCode !== undefined && !/^\d{20}$/.test(body.traceCode.replace(/[\s-]/g, '')))
      throw new RuleViolation('INVALID_TRACE_CODE', 'traceCode is not a 20-digit trace code', 'traceCode');
    const traceCode = body.traceCode?.replace(/[\s-]/g, '');
    const site = actor.siteCode ?? actor.orgCode;
    const now = new Date().toISOString();
    // The body carries a name and an ID number: only the pseudonym goes on.
    const { person, ...dose } = body;
    const fingerprint = { ...dose, personId };
    const outcome = await this.runtime.siteLocks.run(site, () =>
      this.executor.run({
        command: 'RecordDose',
        streamId: personStream(settings.provinceCode, personId),
        resourceId: personId,
        actor,
        body: fingerprint,
        ...commandMeta(req),
        decide: async (history) => {
          const [batch, stock, code, known] = await Promise.all([
            models.batch(body.batchId),
            models.stockAt(site, body.batchId),
            traceCode ? models.traceCode(traceCode) : Promise.resolve(null),
            models.doses(personId),
          ]);
          const product = batch ? await models.product(batch.productCode) : null;
          const own = new Set(history.map((e) => e.eventId));
          const keyId = await vault.ensureKey(personId);
          const events = personDecider.decide(
            {
              type: 'RecordDose',
              data: {
                personId,
                keyId,
                administeredAt: body.administeredAt,
                batchId: body.batchId,
                traceCode: traceCode ?? null,
                doseNumber: body.doseNumber,
                vaccinatorRef: body.vaccinatorRef,
                route: body.route,
                ...(body.bodySite ? { bodySite: body.bodySite } : {}),
                ...(body.override ? { override: { ...body.override } } : {}),
              },
              context: {
                now,
                actor: { ...actor, siteCode: site },
                batch: batch ? batchFacts(batch, product) : null,
                availableAtSite: stock?.available ?? 0,
                traceCode: code
                  ? {
                      batchId: code.batchId,
                      holderSite: code.state === 'in_stock' || code.state === 'administered' ? code.holderSite : null,
                      dosesDrawn: code.dosesDrawn,
                    }
                  : null,
                otherDoses: known
                  .filter((d) => d.status === 'valid' && !own.has(d.eventId))
                  .map((d) => ({
                    eventId: d.eventId,
                    vaccineType: d.vaccineType,
                    doseNumber: d.doseNumber,
                    administeredAt: d.administeredAt,
                  })),
              },
            },
            foldHistory(personDecider, history),
          );
          // Details go to the vault before the dose goes to the log: a crash in between leaves
          // details without a dose (used when the clinic retries), never a dose whose person
          // details were lost. Refused doses (the decider threw) store nothing.
          await vault.storeDetails(personId, { name: person.name, birthDate: person.birthDate, sex: person.sex });
          return events;
        },
      }),
    );
    // The clinic has the person in front of it: it may read the record it just added to.
    await this.runtime.auth.grantPerson(siteOf(actor), personId, PERSON_GRANT_TTL_MS);
    return outcome.answer;
  }

  @Post(':eventId/entered-in-error')
  @HttpCode(201)
  @Roles('clinic', 'cdc')
  @ApiOperation({ summary: 'Void a dose recorded in error (DoseEnteredInError); stock and unit use are restored' })
  async enteredInError(
    @Param(
      'eventId',
      new ParseUUIDPipe({
        exceptionFactory: () => new ApiError('VALIDATION_FAILED', 'eventId must be a UUID', [{ field: 'eventId', reason: 'not a UUID' }]),
      }),
    )
    eventId: string,
    @Body() body: EnteredInErrorDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
  ): Promise<CommandAnswer> {
    const dose = await this.runtime.readModels.dose(eventId);
    if (!dose) throw new RuleViolation('UNKNOWN_DOSE', `no dose ${eventId} on this node`);
    enforce(
      canVoidDose(actor, await siteScope(this.runtime.readModels, dose.siteCode)),
      () => new RuleViolation('UNKNOWN_DOSE', `no dose ${eventId} on this node`),
    );
    if (dose.originProvince !== this.runtime.settings.provinceCode)
      throw new ApiError('FORBIDDEN', 'only the province that recorded a dose may void it');
    const now = new Date().toISOString();
    const { answer } = await this.executor.run({
      command: 'EnterDoseInError',
      streamId: personStream(this.runtime.settings.provinceCode, dose.personId),
      resourceId: dose.personId,
      actor,
      body: { eventId, ...body },
      ...commandMeta(req),
      decide: async (history) =>
        personDecider.decide(
          { type: 'EnterDoseInError', data: { doseEventId: eventId, reasonCode: body.reasonCode }, context: { now, actor } },
          foldHistory(personDecider, history),
        ),
    });
    return answer;
  }
}
