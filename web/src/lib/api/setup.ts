// Wires the generated client (src/client, never edited by hand) to this app: same-origin base
// URL, the auth-aware fetch, and errors as ApiError. Imported once, by src/main.tsx.

import { client } from '../../client/client.gen';
import { authRefreshTokens, authLogout } from '../../client';
import { createAuthFetch } from './authFetch';
import { ApiError } from './errors';
import { createAuthSession, type AuthTransport } from '../auth/session';

const plainFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

const transport: AuthTransport = {
  async refresh() {
    // No body: the HttpOnly tt_refresh cookie (path /api/v1/auth) carries the refresh token.
    const { data, error, response } = await authRefreshTokens({
      credentials: 'include',
      fetch: plainFetch,
    });
    if (!response) throw error; // the server could not be reached
    if (data && response.ok) {
      return { kind: 'ok', accessToken: data.access_token, expiresIn: data.expires_in };
    }
    if (response.status === 401) return { kind: 'rejected' };
    throw error instanceof ApiError ? error : new ApiError(response.status, error);
  },
  async logout() {
    await authLogout({ credentials: 'include', fetch: plainFetch, throwOnError: true });
  },
};

export const authSession = createAuthSession({ transport });

client.setConfig({
  baseUrl: '',
  fetch: createAuthFetch({
    getToken: () => authSession.store.token(),
    isExpiring: () => authSession.store.isExpiring(),
    refresh: () => authSession.refresh(),
  }),
});

client.interceptors.error.use((error, response) => (response ? new ApiError(response.status, error) : error));
