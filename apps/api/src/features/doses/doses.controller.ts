import { Body, Controller, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Application, type CommandAnswer, type DoseImportResult, DOSE_COLUMNS, REQUIRED_DOSE_COLUMNS } from '@vaxledger/application';
import { type Actor, ID_TYPES, type IdType } from '@vaxledger/domain';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { DATE, INSTANT } from '../formats';

/** The largest dose file POST /v1/doses/import reads (about 20,000 rows); larger is 413 BODY_TOO_LARGE. */
export const DOSE_IMPORT_LIMIT_BYTES = 4 * 1024 * 1024;

export class PersonDto {
  @ApiProperty({ enum: ID_TYPES }) @IsIn(ID_TYPES) readonly idType!: IdType;
  @ApiProperty({ example: '510104199003071237' }) @IsString() @Length(1, 40) readonly idNumber!: string;
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-3, passports only' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/)
  readonly issuingState?: string;
  @ApiProperty() @IsString() @Length(1, 100) readonly name!: string;
  @ApiProperty({
    example: '1990-03-07',
    description: 'For RESIDENT_ID and RESIDENCE_PERMIT_HMT, the date the number states (422 PERSON_DETAILS_MISMATCH otherwise)',
  })
  @Matches(DATE)
  readonly birthDate!: string;
  @ApiProperty({ enum: ['M', 'F', 'U'], description: 'For RESIDENT_ID and RESIDENCE_PERMIT_HMT, as the 17th digit states, or U' })
  @IsIn(['M', 'F', 'U'])
  readonly sex!: 'M' | 'F' | 'U';
}

export class OverrideDto {
  @ApiProperty() @IsString() @Length(1, 40) readonly code!: string;
  @ApiProperty() @IsString() @Length(1, 500) readonly reason!: string;
}

export class RecordDoseDto {
  @ApiProperty({ type: PersonDto }) @IsDefined() @ValidateNested() @Type(() => PersonDto) readonly person!: PersonDto;
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

@ApiTags('doses')
@Controller('v1/doses')
export class DosesController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('clinic')
  @ApiOperation({ summary: 'Record a dose given at the caller’s site (DoseAdministered); id = the person’s pseudonym' })
  async record(@Body() body: RecordDoseDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.recordDose.handle(body, actor, commandMeta(req));
  }

  @Post('import')
  @HttpCode(200)
  @Roles('clinic')
  @ApiConsumes('text/csv')
  @ApiBody({
    description:
      `A dose file (docs/dose-import.md): UTF-8 CSV (a BOM is allowed), a header row, one dose per row; at most ${DOSE_IMPORT_LIMIT_BYTES} bytes. ` +
      `Columns: ${REQUIRED_DOSE_COLUMNS.join(', ')}; optional ${DOSE_COLUMNS.filter((c) => !REQUIRED_DOSE_COLUMNS.includes(c)).join(', ')}.`,
    schema: { type: 'string' },
  })
  @ApiOperation({
    summary:
      'Record the doses of a file at the caller’s site, each as POST /v1/doses would; one outcome per row (recorded, duplicate or refused with its code). Importing a file again records nothing twice',
  })
  async import(@Req() req: Request, @CurrentActor() actor: Actor): Promise<DoseImportResult> {
    if (!Buffer.isBuffer(req.body))
      throw new ApiError('VALIDATION_FAILED', 'send the dose file as the request body with Content-Type: text/csv');
    return this.app.importDoses.handleFile(req.body, actor, commandMeta(req));
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
    return this.app.enterDoseInError.handle({ eventId, reasonCode: body.reasonCode }, actor, commandMeta(req));
  }
}
