import { useEmptySearches } from '../hooks';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** For authors: what technicians and authors searched for in the last 30 days and found
 * nothing, most frequent first — the trees the library is missing. A click searches it again. */
export function EmptySearchesPanel({ onSearch }: { onSearch: (text: string) => void }) {
  const misses = useEmptySearches(true);
  const items = misses.data ?? [];
  return (
    <section className="panel empty-searches" aria-labelledby="empty-searches-title">
      <h2 id="empty-searches-title">Searches that found nothing</h2>
      {misses.isPending ? (
        <p className="muted">Loading…</p>
      ) : misses.isError ? (
        <p className="muted">Could not load the searches that found nothing.</p>
      ) : items.length === 0 ? (
        <p className="muted">None in the last 30 days: every search found a tree.</p>
      ) : (
        <>
          <p className="muted">The last 30 days, most frequent first: trees worth writing.</p>
          <ul className="empty-searches-list" aria-label="Searches that found nothing">
            {items.map((miss) => (
              <li key={miss.query}>
                <button type="button" className="link-button wrap" onClick={() => onSearch(miss.query)}>
                  {miss.query}
                </button>{' '}
                <span className="muted">
                  ({miss.count} {miss.count === 1 ? 'time' : 'times'}, last {when(miss.last_searched_at)})
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
