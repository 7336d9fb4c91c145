import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Public } from '../http/auth';

export class RootLinks {
  @ApiProperty({ example: '/docs', description: 'The browsable API reference (Swagger UI)' }) readonly docs!: string;
  @ApiProperty({ example: '/openapi.json', description: 'The OpenAPI 3 document' }) readonly openapi!: string;
  @ApiProperty({ example: '/health', description: 'Liveness and readiness' }) readonly health!: string;
  @ApiProperty({ example: '/console', description: 'The web console' }) readonly console!: string;
}

export class RootAnswer {
  @ApiProperty({ example: 'Vaxledger' }) readonly name!: string;
  @ApiProperty({ example: 'Vaccine traceability ledger node. Start at /docs.' }) readonly description!: string;
  @ApiProperty({ type: RootLinks }) readonly links!: RootLinks;
}

/** `GET /`: where a newcomer finds the docs, the OpenAPI document, health and the console. */
@ApiTags('operations')
@Public()
@Controller()
export class RootController {
  @Get()
  @ApiOperation({ summary: 'Links to the API reference, the OpenAPI document, health and the console' })
  @ApiOkResponse({ type: RootAnswer })
  root(): RootAnswer {
    return {
      name: 'Vaxledger',
      description: 'Vaccine traceability ledger node. Start at /docs.',
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', console: '/console' },
    };
  }
}
