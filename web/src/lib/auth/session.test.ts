// The refresh path end to end in one process: the fetch wrapper, the per-tab refresh queue and
// the cross-tab lock and channel, against a fake API that rotates refresh tokens the way the
// server does (presenting an already-rotated refresh token is reuse and fails loudly here).

import { afterEach, describe, expect, it, vi } from 'vitest';

import { createAuthFetch } from '../api/authFetch';
import { createCrossTab } from './crossTab';
import { createAuthSession, type AuthSession, type AuthTransport } from './session';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A browser's shared state: the refresh cookie, and a Web Locks manager. */
function fakeBrowser() {
  let tail: Promise<unknown> = Promise.resolve();
  const locks = {
    request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
      const run = tail.then(callback);
      tail = run.catch(() => undefined);
      return run;
    },
  };
  return { locks };
}

/** The server: one valid access token at a time, rotating refresh tokens, reuse detection. */
function fakeServer() {
  const server = {
    accessToken: 'access-0',
    cookie: 'refresh-0' as string | null,
    presented: new Set<string>(),
    refreshCalls: 0,
    concurrentRefreshes: 0,
    maxConcurrentRefreshes: 0,
    reuse: false,
    failNetwork: false,
    requests: [] as { path: string; auth: string | null; body: string }[],
    transport(): AuthTransport {
      return {
        async refresh() {
          server.refreshCalls += 1;
          server.concurrentRefreshes += 1;
          server.maxConcurrentRefreshes = Math.max(server.maxConcurrentRefreshes, server.concurrentRefreshes);
          try {
            await delay(5);
            if (server.failNetwork) throw new TypeError('Failed to fetch');
            const presented = server.cookie;
            if (presented === null) return { kind: 'rejected' };
            if (server.presented.has(presented)) {
              server.reuse = true;
              return { kind: 'rejected' };
            }
            server.presented.add(presented);
            const n = server.refreshCalls;
            server.cookie = `refresh-${n}`;
            server.accessToken = `access-${n}`;
            return { kind: 'ok', accessToken: server.accessToken, expiresIn: 900 };
          } finally {
            server.concurrentRefreshes -= 1;
          }
        },
        async logout() {
          server.cookie = null;
        },
      };
    },
    async fetch(request: Request): Promise<Response> {
      const auth = request.headers.get('Authorization');
      const body = await request.text();
      server.requests.push({ path: new URL(request.url).pathname, auth, body });
      await delay(2);
      if (auth !== `Bearer ${server.accessToken}`) {
        return Response.json(
          { detail: { code: 'not_authenticated', message: 'Sign in.' } },
          {
            status: 401,
          },
        );
      }
      return Response.json({ ok: true, body });
    },
  };
  return server;
}

let channelId = 0;
const sessions: AuthSession[] = [];

function openTab(server: ReturnType<typeof fakeServer>, browser = fakeBrowser(), channel?: string) {
  const crossTab = createCrossTab(channel ?? `test-auth-${++channelId}`, {
    locks: browser.locks,
    BroadcastChannel: globalThis.BroadcastChannel,
  });
  const session = createAuthSession({ transport: server.transport(), crossTab });
  sessions.push(session);
  const fetch = createAuthFetch({
    getToken: () => session.store.token(),
    isExpiring: () => session.store.isExpiring(),
    refresh: () => session.refresh(),
    fetch: (request) => server.fetch(request),
    origin: 'http://app.test',
  });
  const get = (path: string, init?: RequestInit) => fetch(new Request(`http://app.test${path}`, init));
  return { session, fetch: get };
}

afterEach(() => {
  for (const session of sessions.splice(0)) session.dispose();
});

describe('refreshing the access token', () => {
  it('10 parallel requests that get 401 cause exactly one refresh call', async () => {
    const server = fakeServer();
    const tab = openTab(server);
    tab.session.signIn('access-0', 900);
    server.accessToken = 'access-revoked-on-server'; // every request now gets a 401

    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => tab.fetch(`/api/v1/things/${i}`)));

    expect(server.refreshCalls).toBe(1);
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(tab.session.store.token()).toBe('access-1');
    const retried = server.requests.filter((r) => r.auth === 'Bearer access-1');
    expect(retried).toHaveLength(10);
  });

  it('sends the request body again on the retry', async () => {
    const server = fakeServer();
    const tab = openTab(server);
    tab.session.signIn('stale', 900);

    const response = await tab.fetch('/api/v1/account/invites', {
      method: 'POST',
      body: JSON.stringify({ role: 'technician' }),
      headers: { 'Content-Type': 'application/json' },
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, body: '{"role":"technician"}' });
  });

  it('retries a late 401 with the token another request already got, without refreshing again', async () => {
    const server = fakeServer();
    const tab = openTab(server);
    tab.session.signIn('stale', 900);
    const fetch = createAuthFetch({
      getToken: () => tab.session.store.token(),
      isExpiring: () => tab.session.store.isExpiring(),
      refresh: () => tab.session.refresh(),
      // /slow answers long after /fast has refreshed and retried
      fetch: async (request) => {
        if (new URL(request.url).pathname === '/api/v1/slow') await delay(50);
        return server.fetch(request);
      },
      origin: 'http://app.test',
    });

    const slow = fetch(new Request('http://app.test/api/v1/slow'));
    const fast = await fetch(new Request('http://app.test/api/v1/fast'));
    expect(fast.status).toBe(200);
    expect(server.refreshCalls).toBe(1);

    expect((await slow).status).toBe(200);
    expect(server.refreshCalls).toBe(1);
    expect(server.requests.filter((r) => r.path === '/api/v1/slow').map((r) => r.auth)).toEqual([
      'Bearer stale',
      'Bearer access-1',
    ]);
  });

  it('refreshes a token about to expire before sending, instead of waiting for a 401', async () => {
    const server = fakeServer();
    const tab = openTab(server);
    tab.session.signIn('access-0', 10); // expires within the 30 s margin
    server.accessToken = 'access-0';

    const response = await tab.fetch('/api/v1/me');

    expect(response.status).toBe(200);
    expect(server.refreshCalls).toBe(1);
    expect(server.requests.map((r) => r.auth)).toEqual(['Bearer access-1']);
  });

  it('signs out when the server rejects the refresh, and returns the original 401', async () => {
    const server = fakeServer();
    const tab = openTab(server);
    tab.session.signIn('stale', 900);
    server.cookie = null; // the refresh cookie expired

    const responses = await Promise.all([tab.fetch('/api/v1/a'), tab.fetch('/api/v1/b')]);

    expect(responses.map((r) => r.status)).toEqual([401, 401]);
    expect(server.refreshCalls).toBe(1);
    expect(tab.session.store.token()).toBeNull();
  });

  it('keeps the session when the refresh cannot reach the server', async () => {
    const server = fakeServer();
    const tab = openTab(server);
    tab.session.signIn('stale', 900);
    server.failNetwork = true;

    const response = await tab.fetch('/api/v1/a');

    expect(response.status).toBe(401);
    expect(tab.session.store.token()).toBe('stale');
    server.failNetwork = false;
    expect((await tab.fetch('/api/v1/a')).status).toBe(200);
  });
});

describe('restoring the session on page load', () => {
  it('makes one refresh call however often restore is called (React StrictMode)', async () => {
    const server = fakeServer();
    const tab = openTab(server);

    const phases = await Promise.all([tab.session.restore(), tab.session.restore()]);

    expect(phases).toEqual(['ready', 'ready']);
    expect(server.refreshCalls).toBe(1);
    expect(tab.session.store.token()).toBe('access-1');
  });

  it('ends up signed out, not broken, when there is no refresh cookie', async () => {
    const server = fakeServer();
    server.cookie = null;
    const tab = openTab(server);

    expect(await tab.session.restore()).toBe('ready');
    expect(tab.session.store.token()).toBeNull();
  });

  it('reports an unreachable server and can retry', async () => {
    const server = fakeServer();
    server.failNetwork = true;
    const tab = openTab(server);

    expect(await tab.session.restore()).toBe('unreachable');
    server.failNetwork = false;
    expect(await tab.session.restore({ retry: true })).toBe('ready');
    expect(tab.session.store.token()).toBe('access-2');
  });
});

describe('several tabs', () => {
  it('never rotate the same refresh token: one tab refreshes, the other takes its token', async () => {
    const server = fakeServer();
    const browser = fakeBrowser();
    const channel = `test-auth-${++channelId}`;
    const tabA = openTab(server, browser, channel);
    const tabB = openTab(server, browser, channel);
    tabA.session.signIn('stale', 900);
    await vi.waitFor(() => expect(tabB.session.store.token()).toBe('stale'));

    const [a, b] = await Promise.all([tabA.fetch('/api/v1/a'), tabB.fetch('/api/v1/b')]);

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(server.reuse).toBe(false);
    expect(server.maxConcurrentRefreshes).toBe(1);
    expect(server.refreshCalls).toBe(1);
    expect(tabB.session.store.token()).toBe(tabA.session.store.token());
  });

  it('a failed refresh signs out every tab', async () => {
    const server = fakeServer();
    const browser = fakeBrowser();
    const channel = `test-auth-${++channelId}`;
    const tabA = openTab(server, browser, channel);
    const tabB = openTab(server, browser, channel);
    tabA.session.signIn('stale', 900);
    await vi.waitFor(() => expect(tabB.session.store.token()).toBe('stale'));
    server.cookie = null;

    expect((await tabA.fetch('/api/v1/a')).status).toBe(401);

    expect(tabA.session.store.token()).toBeNull();
    await vi.waitFor(() => expect(tabB.session.store.token()).toBeNull());
  });

  it('signing out in one tab signs out the others', async () => {
    const server = fakeServer();
    const channel = `test-auth-${++channelId}`;
    const tabA = openTab(server, fakeBrowser(), channel);
    const tabB = openTab(server, fakeBrowser(), channel);
    tabA.session.signIn('access-0', 900);
    await vi.waitFor(() => expect(tabB.session.store.token()).toBe('access-0'));

    await tabA.session.signOut();

    expect(server.cookie).toBeNull();
    await vi.waitFor(() => expect(tabB.session.store.token()).toBeNull());
  });
});
