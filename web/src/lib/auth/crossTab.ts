// Coordination between the tabs of one browser.
//
// - A Web Lock serialises refreshes across tabs, so two tabs never present the same refresh
//   token: the second tab waits, and on getting the lock finds the token the first one got.
//   Web Locks exist in every secure context (HTTPS, localhost), which is also the only place
//   the Secure refresh cookie works; elsewhere refreshes are serialised within the tab only.
// - A BroadcastChannel tells the other tabs that a refresh has started and how it ended: with a
//   new access token (so they need no refresh of their own), with a failure to reach the
//   server, or with a sign-out (so every tab signs out together).

export type AuthMessage =
  | { type: 'refreshing' }
  | { type: 'refresh-failed' }
  | { type: 'token'; token: string; expiresIn: number }
  | { type: 'signed-out' };

export interface CrossTab {
  runExclusive<T>(task: () => Promise<T>): Promise<T>;
  publish(message: AuthMessage): void;
  subscribe(listener: (message: AuthMessage) => void): () => void;
  close(): void;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export interface CrossTabEnvironment {
  locks?: LockManagerLike | undefined;
  BroadcastChannel?: typeof BroadcastChannel | undefined;
}

function isAuthMessage(value: unknown): value is AuthMessage {
  if (!value || typeof value !== 'object') return false;
  const message = value as { type?: unknown; token?: unknown; expiresIn?: unknown };
  if (message.type === 'signed-out' || message.type === 'refreshing') return true;
  if (message.type === 'refresh-failed') return true;
  return message.type === 'token' && typeof message.token === 'string' && typeof message.expiresIn === 'number';
}

function browserEnvironment(): CrossTabEnvironment {
  const nav = typeof navigator === 'undefined' ? undefined : navigator;
  return {
    locks: nav && 'locks' in nav ? (nav.locks as LockManagerLike) : undefined,
    BroadcastChannel: typeof BroadcastChannel === 'undefined' ? undefined : globalThis.BroadcastChannel,
  };
}

export function createCrossTab(name = 'troubletree-auth', env: CrossTabEnvironment = browserEnvironment()): CrossTab {
  const channel = env.BroadcastChannel ? new env.BroadcastChannel(name) : null;
  const listeners = new Set<(message: AuthMessage) => void>();

  if (channel) {
    channel.onmessage = (event: MessageEvent<unknown>) => {
      if (!isAuthMessage(event.data)) return;
      for (const listener of [...listeners]) listener(event.data);
    };
  }

  return {
    runExclusive(task) {
      return env.locks ? env.locks.request(`${name}:refresh`, task) : task();
    },
    publish(message) {
      channel?.postMessage(message);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      channel?.close();
    },
  };
}
