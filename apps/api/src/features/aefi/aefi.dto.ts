import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AEFI_CLASSES,
  AEFI_OUTCOMES,
  type AefiClass,
  type AefiOutcome,
  ID_TYPES,
  type IdType,
  SERIOUS_CRITERIA,
  type SeriousCriterion,
} from '@vaxledger/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { AEFI_QUEUE_SORTS, type AefiQueueSort } from '@vaxledger/projections';
import { INSTANT } from '../formats';
import { PageQuery } from '../paging';

export class AefiPersonDto {
  @ApiProperty({ enum: ID_TYPES }) @IsIn(ID_TYPES) readonly idType!: IdType;
  @ApiProperty({ example: '510104199003071237' }) @IsString() @Length(1, 40) readonly idNumber!: string;
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-3, passports only' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/)
  readonly issuingState?: string;
}

export class AefiContactDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) readonly name?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[+\d][\d\s-]{4,24}$/) readonly phone?: string;
  @ApiPropertyOptional({ example: 'mother' }) @IsOptional() @IsString() @Length(1, 40) readonly relationship?: string;
}

/** An AEFI case card (DOMAIN.md §3). The narrative and contact go to the vault only. */
export class ReportAefiDto {
  @ApiProperty({ type: AefiPersonDto }) @IsDefined() @ValidateNested() @Type(() => AefiPersonDto) readonly person!: AefiPersonDto;
  @ApiProperty({ type: [String], description: 'Event ids of the doses the event follows (any province)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique({ message: 'doseEventIds lists a dose twice' })
  @IsUUID('all', { each: true })
  readonly doseEventIds!: string[];
  @ApiProperty() @Matches(INSTANT) readonly discoveredAt!: string;
  @ApiProperty() @Matches(INSTANT) readonly onsetAt!: string;
  @ApiProperty({ type: [String], description: 'Coded signs and symptoms (value-set codes)', example: ['fever_38_5'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(/^[a-z0-9_.-]{1,64}$/, { each: true })
  readonly signs!: string[];
  @ApiProperty() @IsBoolean() readonly serious!: boolean;
  @ApiPropertyOptional({ enum: SERIOUS_CRITERIA, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SERIOUS_CRITERIA.length)
  @IsIn(SERIOUS_CRITERIA, { each: true })
  readonly seriousCriteria?: SeriousCriterion[];
  @ApiProperty() @IsBoolean() readonly cluster!: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() readonly majorPublicImpact?: boolean;
  @ApiProperty({ enum: AEFI_OUTCOMES }) @IsIn(AEFI_OUTCOMES) readonly outcome!: AefiOutcome;
  @ApiPropertyOptional({ description: 'Free text: kept in the vault under the person’s key, never in the log' })
  @IsOptional()
  @IsString()
  @Length(1, 10_000)
  readonly narrative?: string;
  @ApiPropertyOptional({ type: AefiContactDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AefiContactDto)
  readonly contact?: AefiContactDto;
}

export class ClassifyAefiDto {
  @ApiProperty({ enum: AEFI_CLASSES }) @IsIn(AEFI_CLASSES) readonly aefiClass!: AefiClass;
}

/** The acknowledgement carries no fields; an empty object is the only valid body. */
export class AcknowledgeAefiDto {}

/** A page of the AEFI queue (`GET /v1/aefi`, `GET /v1/aefi/overdue`): the shared paging contract. */
export class AefiQueueQuery extends PageQuery {
  @ApiPropertyOptional({
    enum: AEFI_QUEUE_SORTS,
    default: 'deadlineAt',
    description: 'deadlineAt (default): the card due first comes first; then the report id, so pages never overlap',
  })
  @IsOptional()
  @IsIn(AEFI_QUEUE_SORTS)
  readonly sort?: AefiQueueSort;
}
