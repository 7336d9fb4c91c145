import type { Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PageRequest } from '@vaxledger/projections';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiError } from '../http/problem';
import type { ListGrants } from '../auth/policy';

/**
 * The last page a list serves: 100 million rows at 100 per page, far past any list here, and
 * an offset PostgreSQL still takes as a bigint (a page of 1e20 reached it as "2e+21").
 */
const MAX_PAGE = 1_000_000;

/**
 * The paging contract every list endpoint shares (the console codes against it): query
 * `page` (from 1 to MAX_PAGE, default 1), `pageSize` (1–100, default 20), `sort` (per endpoint), `order`
 * (`asc`, the default, or `desc`); answer `{ items, page, pageSize, total }`.
 */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1, description: 'Page number, from 1', example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  readonly page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Items per page', example: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  readonly pageSize?: number;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  readonly order?: 'asc' | 'desc';
}

export const DEFAULT_PAGE_SIZE = 20;

export const pageRequest = <S extends string>(query: PageQuery & { sort?: S }, defaultSort: S): PageRequest<S> => ({
  page: query.page ?? 1,
  pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
  sort: query.sort ?? defaultSort,
  order: query.order ?? 'asc',
});

/** A list the caller's role may not read at all (the hub) is a 403, as the detail reads. */
export const grantsOrForbidden = (grants: ListGrants | 'forbidden'): ListGrants => {
  if (grants === 'forbidden') throw new ApiError('FORBIDDEN', 'not allowed for this caller or jurisdiction');
  return grants;
};

/** The OpenAPI schema of one list's answer: `{ items: Item[], page, pageSize, total }`. */
export const PageOf = <T>(item: ClassType<T>, name: string): ClassType<{ items: T[]; page: number; pageSize: number; total: number }> => {
  class PageDto {
    @ApiProperty({ type: [item] }) readonly items!: T[];
    @ApiProperty({ minimum: 1, example: 1 }) readonly page!: number;
    @ApiProperty({ minimum: 1, maximum: 100, example: 20 }) readonly pageSize!: number;
    @ApiProperty({ minimum: 0, description: 'How many items match, over all pages', example: 1 }) readonly total!: number;
  }
  Object.defineProperty(PageDto, 'name', { value: name });
  return PageDto;
};
