// The token of an emailed link. Links carry it in the fragment (`/reset-password#token=...`),
// which browsers never send to a server or put in a Referer; older links had it in the query.

export function linkToken(location: { hash: string; search: string }): string {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  return (fragment.get('token') ?? new URLSearchParams(location.search).get('token') ?? '').trim();
}
