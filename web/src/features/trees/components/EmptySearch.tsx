import { Link } from 'react-router';

import { startPath } from '../../../app/paths';
import { type LibraryFilters, useDidYouMean, useMostUsedTrees } from '../hooks';

/** A search that found nothing: the query said back, "Did you mean …" (the account's own words;
 * a click searches it), a way to clear it, and the most used trees to start from (their start
 * screens). */
export function EmptySearch({ filters, onSearch }: { filters: LibraryFilters; onSearch: (text: string) => void }) {
  const query = filters.q.trim();
  const popular = useMostUsedTrees(query !== '');
  const filtered = !!(filters.categoryId || filters.tag || filters.status);
  const trees = popular.data ?? [];
  const didYouMean = useDidYouMean(filters).data;
  return (
    <section className="empty-search" aria-label="No results">
      <p>
        No tree matches “<strong>{query}</strong>”{filtered ? ' with these filters' : ''}.
      </p>
      {didYouMean && (
        <p>
          Did you mean{' '}
          <button type="button" className="link-button wrap did-you-mean" onClick={() => onSearch(didYouMean)}>
            {didYouMean}
          </button>
          ?
        </p>
      )}
      <p>
        <button type="button" className="link-button" onClick={() => onSearch('')}>
          Clear the search
        </button>
      </p>
      {trees.length > 0 && (
        <>
          <p>The most used trees:</p>
          <ul className="popular-trees" aria-label="Most used trees">
            {trees.map((tree) => (
              <li key={tree.id}>
                <Link className="link-button wrap" to={startPath(tree.id)}>
                  {tree.title}
                </Link>{' '}
                <span className="muted">
                  (used {tree.usage_count} {tree.usage_count === 1 ? 'time' : 'times'})
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
