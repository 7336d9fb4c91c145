import { type CanActivate, createParamDecorator, type ExecutionContext, Inject, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, ROLES, type Role } from '@vaxledger/domain';
import type { Request } from 'express';
import { ApiError } from '../http/problem';
import type { NodeRuntime } from '../infrastructure/node-runtime';
import { RUNTIME } from '../infrastructure/tokens';
import { JwtVerifier } from './jwt-verifier';

/** Metadata key of @Roles (the EPCIS capture adapter applies the same gates per use case). */
export const ROLES_KEY = 'vaxledger:roles';
const PUBLIC_KEY = 'vaxledger:public';

/**
 * Which roles may call an endpoint. Without it every business role may; the hub never (it only
 * syncs), nor a health-code platform (it asks for vaccination status only, POST /v1/status).
 */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
/** No caller needed (health, metrics, OpenAPI). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

const BUSINESS_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'hub' && r !== 'healthcode');

const DEV_ACTOR = /^([a-z]+):([0-9A-Z]{18}(?:-[0-9A-Za-z]{1,8})?):(\d{6})$/;

/** Reads `X-Dev-Actor: role:orgCode:provinceCode` (AUTH_MODE=dev, embedded default only). */
export const parseDevActor = (header: string | undefined): Actor | null => {
  if (!header) return null;
  const match = DEV_ACTOR.exec(header.trim());
  if (!match) return null;
  const [, role, orgCode, provinceCode] = match;
  if (!(ROLES as readonly string[]).includes(role!)) return null;
  return { role: role as Role, orgCode: orgCode!, provinceCode: provinceCode!, siteCode: orgCode! };
};

export interface AuthedRequest extends Request {
  actor?: Actor;
}

/** What a 401 tells the caller: which schemes exist, never why its credentials failed. */
const challenge = (devMode: boolean): ApiError =>
  new ApiError(
    'UNAUTHENTICATED',
    devMode
      ? 'send X-Dev-Actor: <role>:<orgCode>:<provinceCode> (AUTH_MODE=dev), a bearer token or an API key'
      : 'credentials are missing or invalid',
    undefined,
    { 'WWW-Authenticate': 'Bearer realm="vaxledger", ApiKey realm="vaxledger"' },
  );

const DEV_ACTOR_FORMAT = `X-Dev-Actor must be <role>:<orgCode>:<provinceCode>, e.g. clinic:12440300MB1B2345QN:440000 (role one of ${ROLES.join(', ')}; orgCode an 18-character unified social credit code in capitals, optionally with -suffix of up to 8 letters or digits; provinceCode 6 digits)`;

/** A 401 for a malformed X-Dev-Actor that says which part is wrong and what the format is. */
const devActorProblem = (header: string): ApiError => {
  const parts = header.trim().split(':');
  const wrong =
    parts.length !== 3
      ? `it has ${parts.length} part${parts.length === 1 ? '' : 's'} separated by ':', not 3`
      : !(ROLES as readonly string[]).includes(parts[0]!)
        ? `the role ${JSON.stringify(parts[0]!.slice(0, 20))} is unknown`
        : !/^[0-9A-Z]{18}(?:-[0-9A-Za-z]{1,8})?$/.test(parts[1]!)
          ? 'the orgCode is not an 18-character code'
          : 'the provinceCode is not 6 digits';
  return new ApiError('UNAUTHENTICATED', `${DEV_ACTOR_FORMAT}; ${wrong}`, [{ field: 'X-Dev-Actor', reason: wrong }], {
    'WWW-Authenticate': 'Bearer realm="vaxledger", ApiKey realm="vaxledger"',
  });
};

/**
 * Authenticates every request that is not @Public and applies the endpoint's role gate.
 * Credentials, in order: `Authorization: Bearer <JWT>` (when JWT settings are present),
 * `Authorization: ApiKey <key>` or `X-Api-Key: <key>`, and only with AUTH_MODE=dev the
 * `X-Dev-Actor` header. Presented but bad credentials are a 401 even if another header would
 * have passed: a caller is one identity, not the first that works.
 */
@Injectable()
export class ActorGuard implements CanActivate {
  private readonly logger = new Logger('auth');
  private readonly jwt: JwtVerifier | null;

  constructor(
    private readonly reflector: Reflector,
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
  ) {
    this.jwt = runtime.settings.jwt ? new JwtVerifier(runtime.settings.jwt) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const actor = await this.authenticate(request);
    request.actor = actor;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? BUSINESS_ROLES;
    if (!allowed.includes(actor.role))
      throw new ApiError('FORBIDDEN', `role ${actor.role} may not call this endpoint (allowed: ${allowed.join(', ')})`);
    return true;
  }

  private async authenticate(request: Request): Promise<Actor> {
    const devMode = this.runtime.settings.authMode === 'dev';
    const authorization = request.header('authorization')?.trim();
    const apiKeyHeader = request.header('x-api-key')?.trim();
    if (authorization) {
      const [scheme, credential, extra] = authorization.split(/\s+/);
      if (!credential || extra !== undefined) throw challenge(devMode);
      if (scheme?.toLowerCase() === 'bearer' && this.jwt) {
        const result = await this.jwt.verify(credential);
        if ('actor' in result) return result.actor;
        this.logger.debug({ reason: result.failure }, 'bearer token refused');
        throw challenge(devMode);
      }
      if (scheme?.toLowerCase() === 'apikey') return this.byApiKey(credential, devMode);
      throw challenge(devMode);
    }
    if (apiKeyHeader) return this.byApiKey(apiKeyHeader, devMode);
    const devActor = request.header('x-dev-actor');
    if (devMode) {
      const actor = parseDevActor(devActor);
      if (actor) return actor;
      if (devActor !== undefined) throw devActorProblem(devActor);
    }
    // Outside dev mode the header is just a bad credential: the same challenge as any other.
    throw challenge(devMode);
  }

  private async byApiKey(key: string, devMode: boolean): Promise<Actor> {
    const actor = await this.runtime.auth.authenticateApiKey(key);
    if (actor) return actor;
    this.logger.debug('API key refused');
    throw challenge(devMode);
  }
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthedRequest>().actor;
  if (!actor) throw new ApiError('UNAUTHENTICATED', 'no caller');
  return actor;
});
