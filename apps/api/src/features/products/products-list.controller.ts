import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { listProducts, type Page, PRODUCT_SORTS, type ProductItem, type ProductSort } from '@vaxledger/projections';
import { IsOptional, IsIn, IsString, Length, Matches } from 'class-validator';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { PageOf, PageQuery, pageRequest } from '../paging';

const ORG_CODE = /^[0-9A-Z]{18}$/;

export class ProductListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'The marketing authorisation holder', pattern: ORG_CODE.source, example: '91320000MA1X0Y2W3E' })
  @IsOptional()
  @Matches(ORG_CODE)
  readonly mahOrgCode?: string;

  @ApiPropertyOptional({ example: 'HepB', maxLength: 40 })
  @IsOptional()
  @IsString()
  @Length(1, 40)
  readonly vaccineType?: string;

  @ApiPropertyOptional({ description: 'Part of the name, product code or approval number, any case', example: 'hepatitis', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  readonly q?: string;

  @ApiPropertyOptional({ enum: PRODUCT_SORTS, default: 'productCode' })
  @IsOptional()
  @IsIn(PRODUCT_SORTS)
  readonly sort?: ProductSort;
}

export class ProductListStorage {
  @ApiProperty({ example: 2 }) readonly min!: number;
  @ApiProperty({ example: 8 }) readonly max!: number;
}

export class ProductListItem {
  @ApiProperty({ example: '8696321' }) readonly productCode!: string;
  @ApiProperty({ example: 'Hepatitis B vaccine (recombinant) 10 µg' }) readonly name!: string;
  @ApiProperty({ example: 'HepB' }) readonly vaccineType!: string;
  @ApiProperty({ example: '91320000MA1X0Y2W3E' }) readonly mahOrgCode!: string;
  @ApiProperty({ example: 'S20260001' }) readonly approvalNo!: string;
  @ApiProperty({ minimum: 1, example: 1 }) readonly dosesPerUnit!: number;
  @ApiProperty({ enum: ['NIP', 'nonNIP'] }) readonly programme!: string;
  @ApiProperty() readonly serialised!: boolean;
  @ApiProperty({ type: ProductListStorage }) readonly storageC!: ProductListStorage;
  @ApiProperty({ minimum: 1, example: 24 }) readonly shelfLifeMonths!: number;
}

export const ProductPage = PageOf(ProductListItem, 'ProductPage');

/** Products are master data: every business role lists all of them. */
@ApiTags('products')
@Controller('v1/products')
export class ProductsListController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get()
  @ApiOperation({ summary: 'List and search products (paged)' })
  @ApiOkResponse({ type: ProductPage })
  list(@Query() query: ProductListQuery): Promise<Page<ProductItem>> {
    return listProducts(
      this.runtime.readModels,
      {
        ...(query.mahOrgCode !== undefined ? { mahOrgCode: query.mahOrgCode } : {}),
        ...(query.vaccineType !== undefined ? { vaccineType: query.vaccineType } : {}),
        ...(query.q !== undefined ? { q: query.q } : {}),
      },
      pageRequest(query, 'productCode'),
    );
  }
}
