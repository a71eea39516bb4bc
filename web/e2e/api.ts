// Setting up data through the API (from Node, not the browser): accounts, trees, sessions.

export interface ApiOptions {
  method?: string;
  body?: unknown;
  token?: string;
  /** The status the answer must have; by default any 2xx. */
  status?: number;
}

/** `${baseURL}/api/v1${path}`; the JSON answer, or an Error naming the status and body. */
export async function api<T = unknown>(baseURL: string, path: string, options: ApiOptions = {}): Promise<T> {
  const { method = options.body === undefined ? 'GET' : 'POST', body, token, status } = options;
  const response = await fetch(`${baseURL}/api/v1${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (status === undefined ? !response.ok : response.status !== status)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface NewUser {
  full_name: string;
  email: string;
  password: string;
  account_name?: string;
  invite_code?: string;
}

/** Registers `user` (202: the answer says nothing more) and signs in: who they are now
 * (`GET /auth/me`) and an access token. */
export async function registerAndSignIn(baseURL: string, user: NewUser) {
  await api(baseURL, '/auth/register', { body: user, status: 202 });
  const { access_token: token } = await api<{ access_token: string }>(baseURL, '/auth/login/json', {
    body: { email: user.email, password: user.password },
  });
  const registered = await api<{ user: { id: string } }>(baseURL, '/auth/me', { token });
  return { registered, token };
}

/** Creates a tree with `graph` and publishes it: its id. */
export async function publishedTree(
  baseURL: string,
  token: string,
  tree: { title: string; description?: string; graph: unknown },
): Promise<string> {
  const { id } = await api<{ id: string }>(baseURL, '/trees', { token, body: tree });
  await api(baseURL, `/trees/${id}/publish`, { token, body: { changelog: 'v1' } });
  return id;
}

/** How many sessions the account has, never-answered ones included (the caller sees the team's). */
export async function sessionCount(baseURL: string, token: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = `tab=all&include_unanswered=true&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: { items: unknown[]; next_cursor: string | null } = await api(baseURL, `/sessions?${query}`, { token });
    count += page.items.length;
    cursor = page.next_cursor;
  } while (cursor);
  return count;
}

/** What the running API offers, read from its OpenAPI document: a journey that needs a newer
 * endpoint or field is skipped, with the reason, against a server without it. */
export interface ApiFeatures {
  /** End nodes carry `outcome_label`; sessions and the history show and filter by it. */
  outcomeLabels: boolean;
  /** `POST sessions/{id}/abandon` takes a reason. */
  abandonReasons: boolean;
  /** Emailed links can be checked without being used (`.../check`). */
  linkChecks: boolean;
}

export async function apiFeatures(baseURL: string): Promise<ApiFeatures> {
  const response = await fetch(`${baseURL}/api/openapi.json`);
  if (!response.ok) throw new Error(`GET /api/openapi.json: ${response.status}`);
  const doc = (await response.json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  const props = (schema: string) => Object.keys(doc.components.schemas[schema]?.properties ?? {});
  return {
    outcomeLabels: props('Node').includes('outcome_label') && props('SessionSummary').includes('outcome_label'),
    abandonReasons: !!doc.paths['/api/v1/sessions/{session_id}/abandon']?.post?.requestBody,
    linkChecks: !!doc.paths['/api/v1/auth/password-reset/check'] && !!doc.paths['/api/v1/auth/verify-email/check'],
  };
}
