// Filters kept in the address (`?status=completed&q=pump`), so Back, reload and a shared link
// restore them. Pure: a spec says what each filter may hold; anything else in the URL reads as
// the default, and defaults are left out of the URL.

/** What a filter accepts: one of these values, any text, a yyyy-mm-dd date, a uuid, or a flag. */
export type FilterKind = readonly string[] | 'text' | 'date' | 'uuid' | 'flag';

export type FilterSpec<F> = { [K in keyof F]: FilterKind };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = 200;

function accepts(kind: FilterKind, value: string): boolean {
  if (Array.isArray(kind)) return kind.includes(value);
  switch (kind) {
    case 'text':
      return value.length <= MAX_TEXT;
    case 'date':
      return DATE.test(value) && !Number.isNaN(Date.parse(value));
    case 'uuid':
      return UUID.test(value);
    case 'flag':
      return value === '1';
    default:
      return false;
  }
}

/** The filters a query string holds; a missing or unusable value is the default. */
export function readFilters<F extends Record<string, string>>(
  params: URLSearchParams,
  spec: FilterSpec<F>,
  defaults: F,
): F {
  const out = { ...defaults };
  for (const key of Object.keys(spec) as (keyof F & string)[]) {
    const raw = params.get(key);
    if (raw === null) continue;
    const value = spec[key] === 'text' ? raw : raw.trim();
    if (value !== '' && accepts(spec[key], value)) out[key] = value as F[typeof key];
  }
  return out;
}

/** The query string for `filters`: only what differs from the defaults, in the spec's order.
 * Parameters that are not filters (`keep`) are carried over. */
export function writeFilters<F extends Record<string, string>>(
  filters: F,
  spec: FilterSpec<F>,
  defaults: F,
  keep?: URLSearchParams,
): URLSearchParams {
  const out = new URLSearchParams();
  if (keep) {
    for (const [key, value] of keep) if (!(key in spec)) out.append(key, value);
  }
  for (const key of Object.keys(spec) as (keyof F & string)[]) {
    const value = filters[key];
    if (value !== undefined && value !== defaults[key] && value !== '') out.set(key, value);
  }
  return out;
}
