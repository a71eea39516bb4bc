// The fetch every generated API call goes through (configured in setup.ts).
//
// It attaches the in-memory access token to same-origin requests, renews a token that is about
// to expire before sending, and after a 401 renews it once through the shared refresh and
// retries the request once. Requests that were already sent with an old token while another
// caller refreshed simply retry with the new token.

export interface AuthFetchOptions {
  getToken(): string | null;
  /** True when the current token is missing or about to expire. */
  isExpiring(): boolean;
  /** The shared refresh (one call however many requests wait). Rejects if it failed. */
  refresh(): Promise<string>;
  fetch?: (request: Request) => Promise<Response>;
  /** Requests to this origin get the bearer token; others are passed through untouched. */
  origin?: string;
}

/** Endpoints that take no access token and must never trigger a refresh-and-retry: the
 * refresh itself (its 401 means the session is over) and the ones that start or end a session. */
const SESSION_ENDPOINTS = new Set([
  '/api/v1/auth/refresh',
  '/api/v1/auth/login',
  '/api/v1/auth/login/json',
  '/api/v1/auth/logout',
  '/api/v1/auth/register',
]);

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export function createAuthFetch(options: AuthFetchOptions): FetchLike {
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));

  const withToken = (request: Request, token: string | null): Request => {
    if (!token || request.headers.has('Authorization')) return request;
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Bearer ${token}`);
    return new Request(request, { headers });
  };

  return async (input, init) => {
    const request = input instanceof Request && !init ? input : new Request(input, init);
    const origin = options.origin ?? globalThis.location?.origin;
    const url = new URL(request.url, origin);
    const sameOrigin = origin === undefined || url.origin === origin;
    if (!sameOrigin || SESSION_ENDPOINTS.has(url.pathname)) return send(request);

    // Keep a copy before the body is consumed, for the one retry.
    const retry = request.clone();

    let token = options.getToken();
    if (token && options.isExpiring()) {
      try {
        token = await options.refresh();
      } catch {
        token = options.getToken(); // send anyway: the server will say what is wrong
      }
    }

    const first = await send(withToken(request, token));
    if (first.status !== 401 || token === null) return first;

    let fresh = options.getToken();
    if (fresh === null || fresh === token) {
      try {
        fresh = await options.refresh();
      } catch {
        return first; // the refresh failed: the session has ended (or is unreachable)
      }
    }
    return send(withToken(retry, fresh));
  };
}
