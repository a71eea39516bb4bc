// Calls by URL through the same client (base URL, bearer token, errors as ApiError), for the
// few endpoints a feature needs before the generated client names them. Use from a feature's
// hooks.ts only, like the generated functions.

import { client } from '../../client/client.gen';

const BEARER = [{ scheme: 'bearer', type: 'http' }] as const;

interface Call {
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  /** Signed-in calls send the access token (the default); links from emails do not. */
  signedIn?: boolean;
}

export async function apiGet<T>(url: string, { path, query, signedIn = true }: Call = {}): Promise<T> {
  const { data } = await client.get<{ 200: T }, unknown, true>({
    url,
    path,
    query,
    security: signedIn ? BEARER : undefined,
    throwOnError: true,
  });
  return data;
}

export async function apiPost<T>(url: string, { path, body, signedIn = true }: Call = {}): Promise<T> {
  const { data } = await client.post<{ 200: T }, unknown, true>({
    url,
    path,
    body,
    headers: { 'Content-Type': 'application/json' },
    security: signedIn ? BEARER : undefined,
    throwOnError: true,
  });
  return data;
}
