import { describe, expect, it, vi } from 'vitest';

import { createAuthFetch } from './authFetch';

function recorder(status = 200) {
  const seen: { url: string; auth: string | null }[] = [];
  const fetch = vi.fn(async (request: Request) => {
    seen.push({ url: request.url, auth: request.headers.get('Authorization') });
    return new Response(null, { status });
  });
  return { seen, fetch };
}

function authFetch(fetch: (request: Request) => Promise<Response>, refresh = vi.fn(async () => 'new')) {
  return createAuthFetch({
    getToken: () => 'token-1',
    isExpiring: () => false,
    refresh,
    fetch,
    origin: 'http://app.test',
  });
}

describe('auth fetch', () => {
  it('sends the bearer token to this origin only', async () => {
    const { seen, fetch } = recorder();
    const send = authFetch(fetch);
    await send('http://app.test/api/v1/auth/logout-all', { method: 'POST' });
    await send('https://elsewhere.example/api/v1/things');
    expect(seen).toEqual([
      { url: 'http://app.test/api/v1/auth/logout-all', auth: 'Bearer token-1' },
      { url: 'https://elsewhere.example/api/v1/things', auth: null },
    ]);
  });

  it('sends session endpoints as they are and never refreshes after their 401', async () => {
    const { seen, fetch } = recorder(401);
    const refresh = vi.fn(async () => 'new');
    const send = authFetch(fetch, refresh);
    for (const path of ['refresh', 'login', 'login/json', 'logout', 'register']) {
      const response = await send(`http://app.test/api/v1/auth/${path}`, { method: 'POST' });
      expect(response.status).toBe(401);
    }
    expect(refresh).not.toHaveBeenCalled();
    expect(seen.every((r) => r.auth === null)).toBe(true);
  });

  it('keeps an Authorization header the caller set', async () => {
    const { seen, fetch } = recorder();
    await authFetch(fetch)('http://app.test/api/v1/x', { headers: { Authorization: 'Bearer mine' } });
    expect(seen[0]?.auth).toBe('Bearer mine');
  });

  it('retries at most once', async () => {
    const { seen, fetch } = recorder(401);
    const refresh = vi.fn(async () => 'token-2');
    const response = await authFetch(fetch, refresh)('http://app.test/api/v1/x');
    expect(response.status).toBe(401);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(seen.map((r) => r.auth)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });
});
