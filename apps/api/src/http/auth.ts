import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, ROLES, type Role } from '@vaxledger/domain';
import type { Request } from 'express';
import { ApiError } from './problem';

const ROLES_KEY = 'vaxledger:roles';
const PUBLIC_KEY = 'vaxledger:public';

/** Which roles may call an endpoint. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES_KEY, roles);
/** No caller needed (health, metrics, OpenAPI). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

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

@Injectable()
export class ActorGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const actor = parseDevActor(request.header('x-dev-actor'));
    if (!actor) throw new ApiError('UNAUTHENTICATED', 'send X-Dev-Actor: <role>:<orgCode>:<provinceCode> (AUTH_MODE=dev)');
    request.actor = actor;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (allowed && !allowed.includes(actor.role))
      throw new ApiError('FORBIDDEN', `role ${actor.role} may not call this endpoint (allowed: ${allowed.join(', ')})`);
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthedRequest>().actor;
  if (!actor) throw new ApiError('UNAUTHENTICATED', 'no caller');
  return actor;
});
