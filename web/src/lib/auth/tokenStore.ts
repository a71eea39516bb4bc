// The access token lives here, in memory only: never localStorage, sessionStorage or a cookie
// readable by script. A reload forgets it, and the app gets a new one from the HttpOnly refresh
// cookie (see session.ts).

export interface TokenSnapshot {
  /** The bearer token, or null when signed out. */
  readonly token: string | null;
  /** Epoch milliseconds after which the token should be treated as expired. */
  readonly expiresAt: number;
  /** The user id the token was issued to (its `sub` claim), for noticing a change of user. */
  readonly subject: string | null;
  /** Increases on every change, so a waiter can tell whether someone else set a token. */
  readonly generation: number;
}

export interface TokenStore {
  snapshot(): TokenSnapshot;
  token(): string | null;
  set(token: string, expiresInSeconds: number): void;
  clear(): void;
  /** True when there is no token or it expires within `skewMs`. */
  isExpiring(skewMs?: number): boolean;
  subscribe(listener: () => void): () => void;
}

const SIGNED_OUT: TokenSnapshot = { token: null, expiresAt: 0, subject: null, generation: 0 };

/** Reads the `sub` claim without verifying anything: the server verifies; this only names. */
export function subjectOf(token: string): string | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    if (claims && typeof claims === 'object' && 'sub' in claims) {
      const sub = (claims as { sub: unknown }).sub;
      return typeof sub === 'string' ? sub : null;
    }
  } catch {
    // not a JWT we can read: no subject
  }
  return null;
}

export function createTokenStore(now: () => number = Date.now): TokenStore {
  let state: TokenSnapshot = SIGNED_OUT;
  const listeners = new Set<() => void>();

  const update = (next: Omit<TokenSnapshot, 'generation'>) => {
    state = { ...next, generation: state.generation + 1 };
    for (const listener of [...listeners]) listener();
  };

  return {
    snapshot: () => state,
    token: () => state.token,
    set(token, expiresInSeconds) {
      update({ token, expiresAt: now() + expiresInSeconds * 1000, subject: subjectOf(token) });
    },
    clear() {
      if (state.token === null) return;
      update({ token: null, expiresAt: 0, subject: null });
    },
    isExpiring(skewMs = 30_000) {
      return state.token === null || now() + skewMs >= state.expiresAt;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
