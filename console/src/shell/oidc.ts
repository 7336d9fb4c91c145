import { type User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { Actor, Role } from './session';

/** The node's OIDC settings as /console/config.json gives them (OIDC_* in the README). */
export interface OidcConfig {
  readonly issuer: string;
  readonly authorizationEndpoint: string | null;
  readonly tokenEndpoint: string | null;
  readonly clientId: string;
  readonly scopes: string;
  readonly redirectUri: string | null;
}

export const CALLBACK_PATH = '/console/signin-callback';

/**
 * oidc-client-ts does the OpenID Connect authorization code flow with PKCE (S256 challenge,
 * state, the code exchange at the token endpoint); the console keeps the signed-in user in
 * sessionStorage (this tab only) and renews nothing silently: when the API refuses the token,
 * the sign-in comes back (session.tsx), keeping what was typed (drafts.ts).
 */
export const userManagerOf = (config: OidcConfig): UserManager =>
  new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: config.redirectUri ?? `${window.location.origin}${CALLBACK_PATH}`,
    response_type: 'code',
    scope: config.scopes,
    ...(config.authorizationEndpoint && config.tokenEndpoint
      ? {
          metadata: {
            issuer: config.issuer,
            authorization_endpoint: config.authorizationEndpoint,
            token_endpoint: config.tokenEndpoint,
          },
        }
      : {}),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });

/** Where the browser was when sign-in started, carried through the provider in the OIDC state. */
export interface SignInState {
  readonly returnTo: string;
}

export const isCallback = (config: OidcConfig): boolean =>
  window.location.pathname === new URL(config.redirectUri ?? `${window.location.origin}${CALLBACK_PATH}`).pathname;

const CONSOLE_ROLES: readonly Role[] = ['regulator', 'cdc', 'clinic', 'manufacturer'];

/**
 * The caller the access token names, read for the screens only (the API verifies the token
 * itself, apps/api/src/auth/jwt-verifier.ts): `org`, `role`, `province` or `national`, `site`.
 * Null when the token carries no console role.
 */
export const actorOfToken = (user: User): Actor | null => {
  try {
    const part = user.access_token.split('.')[1] ?? '';
    const json = decodeURIComponent(
      [...atob(part.replace(/-/g, '+').replace(/_/g, '/'))].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    );
    const claims = JSON.parse(json) as { org?: unknown; role?: unknown; province?: unknown; national?: unknown };
    const role = claims.role as Role;
    const provinceCode = claims.national === true ? '000000' : claims.province;
    if (typeof claims.org !== 'string' || !CONSOLE_ROLES.includes(role) || typeof provinceCode !== 'string') return null;
    return { role, orgCode: claims.org, provinceCode };
  } catch {
    return null;
  }
};
