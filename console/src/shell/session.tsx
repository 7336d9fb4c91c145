import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useCredentials } from '../api/client';

export type Role = 'regulator' | 'cdc' | 'clinic' | 'manufacturer';
export const ROLES: readonly Role[] = ['regulator', 'cdc', 'clinic', 'manufacturer'];

/** Who the console acts as. On the embedded default (AUTH_MODE=dev) this becomes the X-Dev-Actor header. */
export interface Actor {
  readonly role: Role;
  readonly orgCode: string;
  readonly provinceCode: string;
}

interface SessionValue {
  readonly actor: Actor | null;
  readonly authMode: 'dev' | 'jwt' | null;
  signIn(actor: Actor): void;
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

export const SessionProvider = ({ children }: { children: ReactNode }) => {
  const [actor, setActor] = useState<Actor | null>(stored);
  const [authMode, setAuthMode] = useState<'dev' | 'jwt' | null>(null);
  useEffect(() => {
    void fetch('/console/config.json')
      .then((r) => r.json() as Promise<{ authMode: 'dev' | 'jwt' }>)
      .then((c) => setAuthMode(c.authMode))
      .catch(() => setAuthMode('dev'));
  }, []);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setActor(null);
  }, []);
  const signIn = useCallback((next: Actor) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setActor(next);
  }, []);
  // Set at render time so the first requests of the pages below already carry the caller.
  useCredentials(
    (): Record<string, string> => (actor ? { 'X-Dev-Actor': `${actor.role}:${actor.orgCode}:${actor.provinceCode}` } : {}),
    signOut,
  );
  const value = useMemo(() => ({ actor, authMode, signIn, signOut }), [actor, authMode, signIn, signOut]);
  return <Session.Provider value={value}>{children}</Session.Provider>;
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
