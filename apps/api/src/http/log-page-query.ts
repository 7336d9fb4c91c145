import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/**
 * A page of a list read in global log order: the items after `after` (the `next` of the
 * previous page, decimal), at most `limit`. The log, the audit trail and any list read by
 * position take this query (or extend it with their filters).
 */
export class LogPageQuery {
  @ApiPropertyOptional({
    description: 'Items after this global position (decimal): the `next` of the previous page',
    pattern: '^\\d{1,20}$',
    example: '0',
  })
  @IsOptional()
  @Matches(/^\d{1,20}$/)
  readonly after?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  readonly limit?: number;
}
