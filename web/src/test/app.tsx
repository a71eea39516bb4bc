// Component test helpers: the API faked at the fetch level (every call recorded), and a page
// rendered with a fresh QueryClient and an in-memory router.

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { vi } from 'vitest';

import { client } from '../client/client.gen';
import { ApiError } from '../lib/api/errors';

// Errors as the app sees them (src/lib/api/setup.ts): an ApiError with the status and body.
client.interceptors.error.use((error, response) => (response ? new ApiError(response.status, error) : error));

export interface ApiCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/** An answer: a body (sent as JSON, 200), or a Response, or a promise of either (a slow server). */
type Handler = (call: ApiCall) => unknown;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** Fakes the API: `routes` maps "METHOD /api/v1/path" to a handler; anything else is a 404. */
export function fakeApi(routes: Record<string, Handler>) {
  const calls: ApiCall[] = [];
  const fetchMock = vi.fn(async (input: Request) => {
    const url = new URL(input.url);
    const text = input.method === 'GET' ? '' : await input.clone().text();
    const call = {
      method: input.method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
    };
    calls.push(call);
    const handler = routes[`${call.method} ${call.path}`];
    if (!handler) return json({ detail: `no fake for ${call.method} ${call.path}` }, 404);
    const answer = await handler(call);
    return answer instanceof Response ? answer : json(answer);
  });
  vi.stubGlobal('fetch', fetchMock);
  client.setConfig({ baseUrl: 'http://localhost', fetch: undefined });
  return {
    calls,
    /** The calls to "METHOD /path" so far. */
    callsTo: (route: string) => calls.filter((c) => `${c.method} ${c.path}` === route),
  };
}

export { json as jsonResponse };

/** Renders `element` at `url` for the route `path`; other paths show "Somewhere else". */
export function renderPage(element: ReactNode, { path, url }: { path: string; url: string }) {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const router = createMemoryRouter(
    [
      { path, element },
      { path: '*', element: <p>Somewhere else</p> },
    ],
    { initialEntries: [url] },
  );
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, queryClient, router, user };
}
