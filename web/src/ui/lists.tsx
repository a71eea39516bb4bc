// A paginated list's states, the same on every page: an error, the first page on its way, empty,
// or the items with "Load more" (also loaded when its end scrolls into view).

import type { ReactNode } from 'react';

import { describeError } from '../lib/api/errors';
import type { CursorList } from '../lib/api/query';
import { useOnVisible } from '../lib/lists/hooks';
import { FormErrors } from './forms';
import { Loading } from './page';

export function PagedList<T>({
  list,
  loadingLabel,
  empty,
  children,
}: {
  list: CursorList<T>;
  loadingLabel: string;
  empty: ReactNode;
  /** The items (rendered only when there are some). */
  children: ReactNode;
}) {
  const sentinel = useOnVisible<HTMLDivElement>(list.loadMore, list.hasMore, list.items.length);
  return (
    <>
      {list.status === 'error' ? (
        <FormErrors messages={describeError(list.error).general} />
      ) : list.status === 'pending' ? (
        <Loading label={loadingLabel} />
      ) : list.items.length === 0 ? (
        typeof empty === 'string' ? (
          <p className="empty">{empty}</p>
        ) : (
          <div className="empty">{empty}</div>
        )
      ) : (
        children
      )}
      {list.hasMore && (
        <div ref={sentinel} className="load-more">
          <button
            type="button"
            className="button"
            onClick={list.loadMore}
            aria-disabled={list.loadingMore || undefined}
          >
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </>
  );
}
