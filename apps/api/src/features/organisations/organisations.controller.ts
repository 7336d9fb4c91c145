import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { type Actor, ORG_KINDS, type OrgKind, SCHEDULES, SCHEDULES_VERSION } from '@vaxledger/domain';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { Application, CommandAnswer } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';

export class RegisterOrganisationDto {
  @ApiProperty({ description: 'Unified social credit code (GB 32100), check character verified', example: '12510000MB0A1234XJ' })
  @IsString()
  readonly orgCode!: string;
  @ApiProperty() @IsString() @Length(1, 200) readonly name!: string;
  @ApiProperty({ enum: ORG_KINDS }) @IsIn(ORG_KINDS) readonly kind!: OrgKind;
  @ApiProperty({ example: '510000' }) @Matches(/^\d{6}$/) readonly provinceCode!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() readonly parentOrgCode?: string;
}

/** Organisations (manufacturers, CDCs, clinics, regulators) and the schedule value set. */
@ApiTags('organisations')
@Controller('v1')
export class OrganisationsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  @Post('organisations')
  @HttpCode(201)
  @Roles('regulator', 'cdc')
  @ApiOperation({ summary: 'Register an organisation (OrganisationRegistered)' })
  register(@Body() body: RegisterOrganisationDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    return this.app.registerOrganisation.handle(body, actor, commandMeta(req));
  }

  @Get('organisations/:orgCode')
  @ApiOperation({ summary: 'An organisation' })
  async get(@Param('orgCode') orgCode: string): Promise<Record<string, unknown>> {
    const row = await this.runtime.readModels.organisation(orgCode.toUpperCase());
    if (!row) throw new ApiError('NOT_FOUND', `no organisation ${orgCode}`);
    return { orgCode: row.orgCode, name: row.name, kind: row.kind, provinceCode: row.provinceCode, parentOrgCode: row.parentOrgCode };
  }

  @Get('value-sets/schedules')
  @ApiOperation({ summary: 'The built-in, versioned immunisation schedule value set' })
  schedules(): { version: string; schedules: typeof SCHEDULES } {
    return { version: SCHEDULES_VERSION, schedules: SCHEDULES };
  }
}
