import { useMostUsedTrees } from '../hooks';

/** A search that found nothing: the query said back, and the most used trees to start from. */
export function EmptySearch({
  query,
  filtered,
  onRun,
}: {
  query: string;
  filtered: boolean;
  onRun: (treeId: string) => void;
}) {
  const popular = useMostUsedTrees(true);
  const trees = popular.data ?? [];
  return (
    <section className="empty-search" aria-label="No results">
      <p>
        No tree matches “<strong>{query}</strong>”{filtered ? ' with these filters' : ''}. Try other words, or fewer.
      </p>
      {trees.length > 0 && (
        <>
          <p>The most used trees:</p>
          <ul className="popular-trees" aria-label="Most used trees">
            {trees.map((tree) => (
              <li key={tree.id}>
                <button type="button" className="link-button wrap" onClick={() => onRun(tree.id)}>
                  {tree.title}
                </button>{' '}
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
