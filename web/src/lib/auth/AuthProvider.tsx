// React side of the auth session: who is signed in (status), sign in and out, and a cache that
// never outlives its user (every cached query is dropped when the user changes or signs out).

import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from 'react';

import type { AuthSession } from './session';

export type AuthStatus = 'restoring' | 'unreachable' | 'signed-in' | 'signed-out';

export interface AuthContextValue {
  status: AuthStatus;
  /** The signed-in user's id (from the token), or null. */
  userId: string | null;
  signIn(accessToken: string, expiresIn: number): void;
  signOut(): Promise<void>;
  retryRestore(): void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ session, children }: { session: AuthSession; children: ReactNode }) {
  const queryClient = useQueryClient();
  const snapshot = useSyncExternalStore(session.store.subscribe, session.store.snapshot);
  const phase = useSyncExternalStore(session.subscribePhase, session.phase);

  useEffect(() => {
    void session.restore();
  }, [session]);

  // A different user (or none): nothing cached for the previous one may be shown.
  const previousUser = useRef<string | null>(snapshot.subject);
  useEffect(() => {
    if (previousUser.current !== snapshot.subject) {
      if (previousUser.current !== null) queryClient.clear();
      previousUser.current = snapshot.subject;
    }
  }, [snapshot.subject, queryClient]);

  const status: AuthStatus =
    snapshot.token !== null
      ? 'signed-in'
      : phase === 'restoring'
        ? 'restoring'
        : phase === 'unreachable'
          ? 'unreachable'
          : 'signed-out';

  const value = useMemo<AuthContextValue>(
    () => ({
      status,
      userId: snapshot.subject,
      signIn: (token, expiresIn) => session.signIn(token, expiresIn),
      signOut: async () => {
        await session.signOut();
        queryClient.clear();
      },
      retryRestore: () => void session.restore({ retry: true }),
    }),
    [status, snapshot.subject, session, queryClient],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}
