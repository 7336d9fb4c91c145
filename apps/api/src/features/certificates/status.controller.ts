import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Application } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import type { Request } from 'express';
import { accessContextOf } from '../../audit/access-trail';
import { CurrentActor, Roles } from '../../http/auth';
import { APPLICATION } from '../../infrastructure/tokens';
import { LookupDto } from '../persons/persons.controller';
import { OriginCompleteness } from './certificates.controller';

export class VaccineStatusAnswer {
  @ApiProperty({ example: 'HepB' }) readonly vaccineType!: string;
  @ApiProperty() readonly dosesValid!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Doses of the primary series' }) readonly seriesDoses!: number | null;
  @ApiProperty() readonly seriesComplete!: boolean;
  @ApiProperty({ description: 'When the latest valid dose was given' }) readonly lastDoseAt!: string;
  @ApiProperty({ type: [String], example: ['510000'] }) readonly origins!: string[];
}

/** An ID document, and the platform's own nonce for the request (echoed, signed, in the answer). */
export class StatusRequestDto extends LookupDto {
  @ApiPropertyOptional({
    description: 'Echoed in the signed answer, binding it to this request: 8–128 of A–Z a–z 0–9 . _ ~ -',
    example: 'hc-7f3a9c21e4b8',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._~-]{8,128}$/)
  readonly nonce?: string;
}

export class VaccinationStatusBody {
  @ApiProperty() readonly iss!: string;
  @ApiProperty({ description: 'The organisation code of the platform that asked', example: '12440000MB0C000109' })
  readonly aud!: string;
  @ApiPropertyOptional({ description: 'The nonce the request sent, when it sent one' }) readonly nonce?: string;
  @ApiProperty({ example: '440000' }) readonly province!: string;
  @ApiProperty() readonly issuedAt!: string;
  @ApiProperty({ description: 'Whether this node holds every origin’s doses of the person (false: ask again shortly)' })
  readonly complete!: boolean;
  @ApiProperty({ type: [OriginCompleteness] }) readonly origins!: OriginCompleteness[];
  @ApiProperty({ type: [VaccineStatusAnswer] }) readonly vaccines!: VaccineStatusAnswer[];
}

export class VaccinationStatusAnswer {
  @ApiProperty({ type: VaccinationStatusBody }) readonly status!: VaccinationStatusBody;
  @ApiProperty({ description: 'The same status as a compact JWS (ES256, the province certificate key, typ vaxledger-status+jws)' })
  readonly jws!: string;
}

/** Vaccination status for provincial health-code platforms (issue 16, part 2; docs/adr/0018-signed-certificates.md). */
@ApiTags('certificates')
@Controller('v1/status')
export class StatusController {
  constructor(@Inject(APPLICATION) private readonly app: Application) {}

  @Post()
  @HttpCode(200)
  @Roles('healthcode')
  @ApiOperation({
    summary: 'Signed vaccination status per vaccine type for a presented ID document (audited; no name or ID in the answer)',
  })
  @ApiOkResponse({ type: VaccinationStatusAnswer })
  async status(@Body() body: StatusRequestDto, @CurrentActor() actor: Actor, @Req() req: Request): Promise<VaccinationStatusAnswer> {
    const { nonce, ...document } = body;
    const { status, jws } = await this.app.vaccinationStatus.handle(document, actor, accessContextOf(req, actor, 'public_health'), {
      nonce,
    });
    return {
      status: {
        ...status,
        origins: [...status.origins],
        vaccines: status.vaccines.map((v) => ({ ...v, origins: [...v.origins] })),
      },
      jws,
    };
  }
}
