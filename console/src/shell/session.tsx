import type { User, UserManager } from 'oidc-client-ts';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { useCredentials } from '../api/client';
import { saveDrafts } from './drafts';
import { actorOfToken, isCallback, type OidcConfig, type SignInState, userManagerOf } from './oidc';

export type Role = 'regulator' | 'cdc' | 'clinic' | 'manufacturer';
export const ROLES: readonly Role[] = ['regulator', 'cdc', 'clinic', 'manufacturer'];

/**
 * Who the console acts as. On the embedded default (AUTH_MODE=dev) this becomes the
 * X-Dev-Actor header; with AUTH_MODE=jwt it is read from the access token, which is sent.
 */
export interface Actor {
  readonly role: Role;
  readonly orgCode: string;
  readonly provinceCode: string;
}

interface SessionValue {
  readonly actor: Actor | null;
  readonly authMode: 'dev' | 'jwt' | null;
  /** The identity provider (AUTH_MODE=jwt with OIDC_CLIENT_ID), else null. */
  readonly oidc: OidcConfig | null;
  /** Why the last sign-in with the provider failed (an i18n key or the library's words), if it did. */
  readonly signInProblem: string | null;
  /** Development sign-in (AUTH_MODE=dev): act as this actor. */
  signIn(actor: Actor): void;
  /** Sign-in with the identity provider: leaves for its page, comes back here. */
  signInWithProvider(): void;
  signOut(): void;
}

const Session = createContext<SessionValue | null>(null);
const KEY = 'vaxledger.console.actor';

const stored = (): Actor | null => {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Actor) : null;
  } catch {
    return null;
  }
};

const here = (): string => `${window.location.pathname}${window.location.search}`;

export const SessionProvider = ({ children }: { children: ReactNode }) => {
  const [devActor, setDevActor] = useState<Actor | null>(stored);
  const [authMode, setAuthMode] = useState<'dev' | 'jwt' | null>(null);
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  const [user, setUser] = useState<User | null>(null);
  const [signInProblem, setSignInProblem] = useState<string | null>(null);
  const manager = useRef<UserManager | null>(null);
  const leaving = useRef(false);

  useEffect(() => {
    const start = async (): Promise<void> => {
      const config = await fetch('/console/config.json')
        .then((r) => r.json() as Promise<{ authMode: 'dev' | 'jwt'; oidc?: OidcConfig | null }>)
        .catch(() => ({ authMode: 'dev' as const, oidc: null }));
      if (config.authMode === 'jwt' && config.oidc) {
        const um = userManagerOf(config.oidc);
        manager.current = um;
        setOidc(config.oidc);
        if (isCallback(config.oidc)) {
          // Back from the provider: exchange the code (with the PKCE verifier), then go where sign-in began.
          try {
            const signedIn = await um.signinRedirectCallback();
            setUser(signedIn);
            window.history.replaceState(null, '', (signedIn.state as SignInState | undefined)?.returnTo ?? '/console/');
          } catch (error) {
            setSignInProblem(error instanceof Error ? error.message : String(error));
            window.history.replaceState(null, '', '/console/');
          }
        } else {
          const current = await um.getUser();
          setUser(current && !current.expired ? current : null);
        }
      }
      // Set last: the router below mounts at the address the callback left.
      setAuthMode(config.authMode);
    };
    void start();
  }, []);

  const jwtActor = useMemo(() => (user ? actorOfToken(user) : null), [user]);
  const actor = authMode === 'jwt' ? jwtActor : devActor;
  useEffect(() => {
    if (user && !jwtActor) setSignInProblem('signIn.noConsoleRole');
  }, [user, jwtActor]);

  const signInWithProvider = useCallback(() => {
    if (!manager.current) return;
    const state: SignInState = { returnTo: window.location.pathname === '/console/signin-callback' ? '/console/' : here() };
    void manager.current.signinRedirect({ state }).catch((error: unknown) => {
      setSignInProblem(error instanceof Error ? error.message : String(error));
    });
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setDevActor(null);
    setUser(null);
    void manager.current?.removeUser();
  }, []);
  const signIn = useCallback((next: Actor) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setDevActor(next);
  }, []);
  /** The API refused the credentials (an expired token): sign in again, keeping what was typed. */
  const expired = useCallback(() => {
    if (authMode !== 'jwt' || !manager.current) return signOut();
    if (leaving.current) return;
    leaving.current = true;
    saveDrafts();
    const um = manager.current;
    if (user && !user.expired) {
      // Refused before it expired: the node does not accept this provider's tokens (audience,
      // issuer, keys). Going straight back to the provider would loop; the user is told instead.
      setSignInProblem('signIn.tokenRefused');
      setUser(null);
      leaving.current = false;
      void um.removeUser();
      return;
    }
    void um.removeUser().then(() => um.signinRedirect({ state: { returnTo: here() } satisfies SignInState }));
  }, [authMode, signOut, user]);

  // Set at render time so the first requests of the pages below already carry the caller.
  useCredentials((): Record<string, string> => {
    if (authMode === 'jwt') return user ? { Authorization: `Bearer ${user.access_token}` } : {};
    return devActor ? { 'X-Dev-Actor': `${devActor.role}:${devActor.orgCode}:${devActor.provinceCode}` } : {};
  }, expired);
  const value = useMemo(
    () => ({ actor, authMode, oidc, signInProblem, signIn, signInWithProvider, signOut }),
    [actor, authMode, oidc, signInProblem, signIn, signInWithProvider, signOut],
  );
  return <Session.Provider value={value}>{authMode === null ? null : children}</Session.Provider>;
};

export const useSession = (): SessionValue => {
  const value = useContext(Session);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
};

/** The signed-in actor (pages below the shell are only rendered when there is one). */
export const useActor = (): Actor => {
  const { actor } = useSession();
  if (!actor) throw new Error('not signed in');
  return actor;
};
