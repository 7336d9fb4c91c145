import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  type Actor,
  ORG_KINDS,
  type OrgKind,
  organisationDecider,
  orgStream,
  parseOrgCode,
  parseProvinceCode,
  RuleViolation,
  SCHEDULES,
  SCHEDULES_VERSION,
} from '@vaxledger/domain';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { Request } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { CommandAnswer, CommandExecutor } from '@vaxledger/application';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { EXECUTOR, RUNTIME } from '../../infrastructure/tokens';
import { commandMeta } from '../command-meta';
import { foldHistory } from '@vaxledger/application';
import { enforce } from '../../auth/access';
import { canRegisterOrganisation } from '../../auth/policy';

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
    @Inject(EXECUTOR) private readonly executor: CommandExecutor,
  ) {}

  @Post('organisations')
  @HttpCode(201)
  @Roles('regulator', 'cdc')
  @ApiOperation({ summary: 'Register an organisation (OrganisationRegistered)' })
  async register(@Body() body: RegisterOrganisationDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<CommandAnswer> {
    const org = parseOrgCode(body.orgCode);
    if (!org.ok) throw new RuleViolation('INVALID_ORG_CODE', `orgCode: ${org.reason}`, 'orgCode');
    const province = parseProvinceCode(body.provinceCode);
    if (!province.ok) throw new RuleViolation('INVALID_REGION_CODE', `provinceCode: ${province.reason}`, 'provinceCode');
    enforce(canRegisterOrganisation(actor, province.value));
    if (body.parentOrgCode !== undefined && !parseOrgCode(body.parentOrgCode).ok)
      throw new RuleViolation('INVALID_ORG_CODE', 'parentOrgCode is not a valid organisation code', 'parentOrgCode');
    const orgCode = org.value;
    const now = new Date().toISOString();
    const { answer } = await this.executor.run({
      command: 'RegisterOrganisation',
      streamId: orgStream(orgCode),
      resourceId: orgCode,
      actor,
      body,
      ...commandMeta(req),
      decide: async (history) =>
        organisationDecider.decide(
          {
            type: 'RegisterOrganisation',
            data: {
              orgCode,
              name: body.name,
              kind: body.kind,
              provinceCode: province.value,
              ...(body.parentOrgCode ? { parentOrgCode: body.parentOrgCode } : {}),
            },
            context: { now, actor },
          },
          foldHistory(organisationDecider, history),
        ),
    });
    return answer;
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
