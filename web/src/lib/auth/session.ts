// The browser side of a sign-in: who holds the access token, how it is renewed, how it ends.
//
// - restore(): on page load, one refresh call turns the HttpOnly cookie into an access token.
// - refresh(): one refresh for all requests of this tab waiting on it (refreshQueue), and one at
//   a time across tabs (a Web Lock). A tab refreshing announces it on the channel; a tab that
//   waited for the lock meanwhile takes the token the other tab broadcast and makes no call.
//   So two tabs never present the same refresh token (which the server would treat as reuse).
// - A refresh the server rejects (401) ends the session in every tab. A network failure or a
//   rate limit does not: the technician in a basement keeps their session and can retry.

import { createCrossTab, type CrossTab } from './crossTab';
import { createRefreshQueue } from './refreshQueue';
import { createTokenStore, type TokenStore } from './tokenStore';

export type RefreshResult =
  | { kind: 'ok'; accessToken: string; expiresIn: number }
  /** The server refused the refresh cookie (missing, expired, revoked or reused). */
  | { kind: 'rejected' };

export interface AuthTransport {
  /** POST /api/v1/auth/refresh with no body: the cookie carries the token. Throws when the
   * server cannot be reached or answers with anything but success or 401. */
  refresh(): Promise<RefreshResult>;
  /** POST /api/v1/auth/logout: ends the refresh family and clears the cookie. */
  logout(): Promise<void>;
}

export class SessionExpiredError extends Error {
  constructor() {
    super('Your session has ended. Sign in again.');
    this.name = 'SessionExpiredError';
  }
}

export type RestorePhase = 'restoring' | 'ready' | 'unreachable';

export interface AuthSession {
  readonly store: TokenStore;
  /** A fresh access token, shared by every caller waiting at the same time. */
  refresh(): Promise<string>;
  /** Once per page load: trade the refresh cookie for an access token. Calling it again
   * returns the same promise; `retry` starts over after the server was unreachable. */
  restore(options?: { retry?: boolean }): Promise<RestorePhase>;
  phase(): RestorePhase;
  subscribePhase(listener: () => void): () => void;
  /** Adopt the tokens of a sign-in (login or register + login) and tell the other tabs. */
  signIn(accessToken: string, expiresIn: number): void;
  /** End the session on the server, in this tab and in every other tab. */
  signOut(): Promise<void>;
  dispose(): void;
}

export interface AuthSessionOptions {
  transport: AuthTransport;
  store?: TokenStore;
  crossTab?: CrossTab;
  /** How long to wait for the answer of another tab's refresh once holding the lock (that
   * tab has finished by then; this only covers a tab closed before it could broadcast). */
  remoteWaitMs?: number;
}

/** Another tab's refresh in progress, settled when its outcome message arrives. */
interface RemoteRefresh {
  done: Promise<void>;
  settle(): void;
}

function remoteRefresh(): RemoteRefresh {
  let settle!: () => void;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { done, settle };
}

export function createAuthSession({
  transport,
  store = createTokenStore(),
  crossTab = createCrossTab(),
  remoteWaitMs = 2_000,
}: AuthSessionOptions): AuthSession {
  let restorePhase: RestorePhase = 'restoring';
  let restoring: Promise<RestorePhase> | null = null;
  let remote: RemoteRefresh | null = null;
  const phaseListeners = new Set<() => void>();

  const setPhase = (next: RestorePhase) => {
    if (next === restorePhase) return;
    restorePhase = next;
    for (const listener of [...phaseListeners]) listener();
  };

  const settleRemote = () => {
    remote?.settle();
    remote = null;
  };

  /** Clears the token here and, if this tab was signed in, in the other tabs too. */
  const endSession = () => {
    const wasSignedIn = store.token() !== null;
    store.clear();
    if (wasSignedIn) crossTab.publish({ type: 'signed-out' });
  };

  const waitForRemote = async () => {
    const pending = remote;
    if (!pending) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      pending.done,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remoteWaitMs);
      }),
    ]);
    clearTimeout(timer);
  };

  const queue = createRefreshQueue<string>(async () => {
    const seen = store.snapshot().generation;
    return crossTab.runExclusive(async () => {
      await waitForRemote();
      const current = store.snapshot();
      if (current.generation !== seen && current.token !== null && !store.isExpiring()) {
        return current.token; // another tab refreshed (or signed in) while we waited
      }
      crossTab.publish({ type: 'refreshing' });
      let result: RefreshResult;
      try {
        result = await transport.refresh();
      } catch (error) {
        crossTab.publish({ type: 'refresh-failed' });
        throw error;
      }
      if (result.kind === 'rejected') {
        // A tab that was signed in signs every tab out. One that was not (a page load with no
        // cookie) only releases the tabs waiting on it: it must not sign out a tab that has
        // just signed in.
        const wasSignedIn = store.token() !== null;
        store.clear();
        crossTab.publish(wasSignedIn ? { type: 'signed-out' } : { type: 'refresh-failed' });
        throw new SessionExpiredError();
      }
      store.set(result.accessToken, result.expiresIn);
      crossTab.publish({ type: 'token', token: result.accessToken, expiresIn: result.expiresIn });
      return result.accessToken;
    });
  });

  const unsubscribe = crossTab.subscribe((message) => {
    switch (message.type) {
      case 'refreshing':
        remote?.settle();
        remote = remoteRefresh();
        return;
      case 'refresh-failed':
        settleRemote();
        return;
      case 'token':
        if (message.token !== store.token()) store.set(message.token, message.expiresIn);
        settleRemote();
        setPhase('ready');
        return;
      case 'signed-out':
        store.clear();
        settleRemote();
        return;
    }
  });

  const session: AuthSession = {
    store,
    refresh: () => queue.next(),
    restore({ retry = false } = {}) {
      if (restoring && !(retry && restorePhase === 'unreachable')) return restoring;
      setPhase('restoring');
      const attempt: Promise<RestorePhase> = queue.next().then(
        () => 'ready',
        (error: unknown) => (error instanceof SessionExpiredError ? 'ready' : 'unreachable'),
      );
      restoring = attempt.then((phase) => {
        const settled = store.token() !== null ? 'ready' : phase;
        setPhase(settled);
        return settled;
      });
      return restoring;
    },
    phase: () => restorePhase,
    subscribePhase(listener) {
      phaseListeners.add(listener);
      return () => phaseListeners.delete(listener);
    },
    signIn(accessToken, expiresIn) {
      store.set(accessToken, expiresIn);
      setPhase('ready');
      crossTab.publish({ type: 'token', token: accessToken, expiresIn });
    },
    async signOut() {
      try {
        await transport.logout();
      } catch (error) {
        console.warn('Sign-out could not reach the server; signed out on this device.', error);
      } finally {
        endSession();
      }
    },
    dispose() {
      unsubscribe();
      settleRemote();
      phaseListeners.clear();
      crossTab.close();
    },
  };
  return session;
}
