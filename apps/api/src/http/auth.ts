// Authentication and the role gate live in apps/api/src/auth; this path stays for existing imports.
export { ActorGuard, type AuthedRequest, CurrentActor, parseDevActor, Public, Roles } from '../auth/actor.guard';
