import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor, type ErasureBasis, ID_TYPES, type IdType } from '@vaxledger/domain';
import { type Application, type CommandAnswer } from '@vaxledger/application';
import type { Request } from 'express';
import { PERSON_ID_PATTERN } from '@vaxledger/privacy';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { accessContextOf } from '../../audit/access-trail';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import { APPLICATION } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';

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

/** A person's record: the union of doses from every origin this node holds. */
@ApiTags('persons')
@Controller('v1/persons')
export class PersonsController {
  constructor(@Inject(APPLICATION) private readonly app: Application) {}

  @Post('lookup')
  @HttpCode(200)
  @Roles('clinic', 'cdc')
  @ApiOperation({ summary: 'Turn a presented ID document into the person’s pseudonym (the ID travels in the body, never a URL)' })
  async lookup(@Body() body: LookupDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<{ personId: string }> {
    return this.app.identifyPerson.handle(body, actor, accessContextOf(req, actor, 'treatment'));
  }

  @Get(':personId/record')
  @Roles('clinic', 'cdc', 'hub')
  @ApiOperation({ summary: 'Every dose of the person from every origin, series status and conflicts' })
  record(@Param('personId') personId: string, @CurrentActor() actor: Actor, @Req() req: Request): Promise<Record<string, unknown>> {
    if (!PERSON_ID_PATTERN.test(personId))
      throw new ApiError('VALIDATION_FAILED', 'personId is a 28-character pseudonym starting p1', [
        { field: 'personId', reason: 'malformed' },
      ]);
    // Nothing is answered unless the read is in the audit trail (ReadPersonRecord records it first).
    return this.app.readPersonRecord.handle(personId, actor, accessContextOf(req, actor, 'treatment'));
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
