import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ORG_KINDS, type OrgKind } from '@vaxledger/domain';
import { listOrganisations, ORGANISATION_SORTS, type OrganisationItem, type OrganisationSort, type Page } from '@vaxledger/projections';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { PageOf, PageQuery, pageRequest } from '../paging';

export class OrganisationListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORG_KINDS })
  @IsOptional()
  @IsIn(ORG_KINDS)
  readonly kind?: OrgKind;

  @ApiPropertyOptional({
    description: 'A GB/T 2260 region: 510000 matches the whole province, 510100 the city, 510104 the county',
    pattern: '^\\d{6}$',
    example: '510000',
  })
  @IsOptional()
  @Matches(/^\d{6}$/)
  readonly provinceCode?: string;

  @ApiPropertyOptional({ description: 'Part of the name or of the organisation code, any case', example: 'CDC', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  readonly q?: string;

  @ApiPropertyOptional({
    description: 'The supervising organisation: a CDC’s code lists the clinics it supervises, whatever their province',
    example: '12510000MB0A1234XJ',
  })
  @IsOptional()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
  readonly parentOrgCode?: string;

  @ApiPropertyOptional({
    description:
      'Supervised by this organisation directly or through CDCs between (up to five levels, as access to a site’s stock is decided)',
    example: '12510000MB0A1234XJ',
  })
  @IsOptional()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/)
  readonly supervisedBy?: string;

  @ApiPropertyOptional({ enum: ORGANISATION_SORTS, default: 'orgCode' })
  @IsOptional()
  @IsIn(ORGANISATION_SORTS)
  readonly sort?: OrganisationSort;
}

export class OrganisationListItem {
  @ApiProperty({ example: '12510000MB0A1234XJ' }) readonly orgCode!: string;
  @ApiProperty({ example: 'Sichuan CDC' }) readonly name!: string;
  @ApiProperty({ enum: ORG_KINDS }) readonly kind!: string;
  @ApiProperty({ pattern: '^\\d{6}$', example: '510000' }) readonly provinceCode!: string;
  @ApiProperty({ nullable: true, type: String, example: null }) readonly parentOrgCode!: string | null;
}

export const OrganisationPage = PageOf(OrganisationListItem, 'OrganisationPage');

/** Organisations are master data: every business role lists all of them. */
@ApiTags('organisations')
@Controller('v1/organisations')
export class OrganisationsListController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get()
  @ApiOperation({ summary: 'List and search organisations (paged)' })
  @ApiOkResponse({ type: OrganisationPage })
  list(@Query() query: OrganisationListQuery): Promise<Page<OrganisationItem>> {
    return listOrganisations(
      this.runtime.readModels,
      {
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
        ...(query.provinceCode !== undefined ? { provinceCode: query.provinceCode } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
        ...(query.parentOrgCode !== undefined ? { parentOrgCode: query.parentOrgCode } : {}),
        ...(query.supervisedBy !== undefined ? { supervisedBy: query.supervisedBy } : {}),
      },
      pageRequest(query, 'orgCode'),
    );
  }
}
