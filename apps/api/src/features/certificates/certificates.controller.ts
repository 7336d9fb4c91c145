import { Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Application } from '@vaxledger/application';
import type { Actor } from '@vaxledger/domain';
import { PERSON_ID_PATTERN } from '@vaxledger/privacy';
import type { Request } from 'express';
import { accessContextOf } from '../../audit/access-trail';
import { CurrentActor, Public, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import { APPLICATION } from '../../infrastructure/tokens';

export class OriginCompleteness {
  @ApiProperty({ example: '510000' }) readonly origin!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Up to when the issuer held all of the person’s doses from this origin' })
  readonly completeUpTo!: string | null;
}

export class IssuedCertificateAnswer {
  @ApiProperty() readonly personId!: string;
  @ApiProperty({ description: 'Compact JWS (ES256, deflated payload) in the SMART Health Card layout' }) readonly jws!: string;
  @ApiProperty({
    example: 'shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745222809',
    description: 'The numeric text the QR code holds',
  })
  readonly qr!: string;
  @ApiProperty({ description: 'The QR code as a PNG image, base64' }) readonly qrPng!: string;
  @ApiProperty({ description: 'False when the card exceeds one version-22 QR code (1195 characters of JWS)' })
  readonly fitsSingleQr!: boolean;
  @ApiProperty({ example: 'https://vaxledger.example/issuers/510000' }) readonly issuer!: string;
  @ApiProperty() readonly kid!: string;
  @ApiProperty() readonly issuedAt!: string;
  @ApiProperty({ description: 'Valid doses on the card' }) readonly doses!: number;
  @ApiProperty({ type: [OriginCompleteness] }) readonly origins!: OriginCompleteness[];
}

export class EcPublicKey {
  @ApiProperty({ enum: ['EC'] }) readonly kty!: string;
  @ApiProperty({ enum: ['P-256'] }) readonly crv!: string;
  @ApiProperty() readonly x!: string;
  @ApiProperty() readonly y!: string;
  @ApiProperty({ description: 'RFC 7638 thumbprint' }) readonly kid!: string;
  @ApiProperty({ enum: ['sig'] }) readonly use!: string;
  @ApiProperty({ enum: ['ES256'] }) readonly alg!: string;
  @ApiProperty({ description: 'Version of the key’s revocation list at /.well-known/crl/{kid}.json (SMART Health Cards)' })
  readonly crlVersion!: number;
}

export class JwksAnswer {
  @ApiProperty({ type: [EcPublicKey], description: 'The current key first, then retired ones (old cards stay verifiable)' })
  readonly keys!: EcPublicKey[];
}

export class RevocationListBody {
  @ApiProperty() readonly iss!: string;
  @ApiProperty() readonly province!: string;
  @ApiProperty() readonly issuedAt!: string;
  @ApiProperty({ enum: ['rid'] }) readonly method!: string;
  @ApiProperty() readonly ctr!: number;
  @ApiProperty({ type: [String], description: '`rid.T`: cards with this revocation id issued before T (epoch seconds) are revoked' })
  readonly rids!: string[];
}

export class KeyRevocationListAnswer {
  @ApiProperty() readonly kid!: string;
  @ApiProperty({ enum: ['rid'] }) readonly method!: string;
  @ApiProperty({ description: 'Counts the list’s versions from 1; equals the key’s crlVersion in the JWKS' }) readonly ctr!: number;
  @ApiProperty({ type: [String], description: '`rid.T`: cards with this revocation id issued before T (epoch seconds) are revoked' })
  readonly rids!: string[];
}

export class RevocationsAnswer {
  @ApiProperty({ description: 'The list as a compact JWS signed by the province certificate key (typ vaxledger-revocations+jws)' })
  readonly jws!: string;
  @ApiProperty({ type: RevocationListBody }) readonly list!: RevocationListBody;
}

/** Signed vaccination certificates (docs/adr/0018-signed-certificates.md). */
@ApiTags('certificates')
@Controller()
export class CertificatesController {
  constructor(@Inject(APPLICATION) private readonly app: Application) {}

  @Post('v1/persons/:personId/certificates')
  @HttpCode(201)
  @Roles('clinic', 'cdc')
  @ApiOperation({ summary: 'Issue a signed SMART Health Card of the person’s valid doses (audited as a record read)' })
  @ApiCreatedResponse({ type: IssuedCertificateAnswer })
  async issue(@Param('personId') personId: string, @CurrentActor() actor: Actor, @Req() req: Request): Promise<IssuedCertificateAnswer> {
    if (!PERSON_ID_PATTERN.test(personId))
      throw new ApiError('VALIDATION_FAILED', 'personId is a 28-character pseudonym starting p1', [
        { field: 'personId', reason: 'malformed' },
      ]);
    const issued = await this.app.issueCertificate.handle({ personId }, actor, accessContextOf(req, actor, 'treatment'));
    return { ...issued, origins: [...issued.origins] };
  }

  @Get('.well-known/jwks.json')
  @Public()
  @ApiOperation({ summary: 'The province’s certificate public keys, retired ones included' })
  @ApiOkResponse({ type: JwksAnswer })
  async jwks(): Promise<JwksAnswer> {
    return { keys: [...(await this.app.publishRevocations.jwks()).keys] };
  }

  // `:file`, not `:kid.json`: the router's reading of a dot after a parameter is not to be relied on.
  @Get('.well-known/crl/:file')
  @Public()
  @ApiOperation({
    summary: 'A certificate key’s revocation list in the SMART Health Card form, at {kid}.json (unsigned, as the specification has it)',
  })
  @ApiOkResponse({ type: KeyRevocationListAnswer })
  async crl(@Param('file') file: string): Promise<KeyRevocationListAnswer> {
    const kid = /^([A-Za-z0-9_-]{1,64})\.json$/.exec(file)?.[1];
    if (!kid)
      throw new ApiError('VALIDATION_FAILED', 'the file is {kid}.json, kid a base64url key thumbprint', [
        { field: 'kid', reason: 'malformed' },
      ]);
    const list = await this.app.publishRevocations.crl(kid);
    return { ...list, rids: [...list.rids] };
  }

  @Get('v1/certificates/revocations')
  @Public()
  @ApiOperation({ summary: 'The signed list of revoked certificates, derived from voided doses and erasures of every province held here' })
  @ApiOkResponse({ type: RevocationsAnswer })
  async revocations(): Promise<RevocationsAnswer> {
    const { jws, list } = await this.app.publishRevocations.handle();
    return { jws, list: { ...list, rids: [...list.rids] } };
  }
}
