// TanStack Query with the generated options (src/client/@tanstack/react-query.gen.ts): one key
// per resource, made by the generated `...QueryKey` helpers, so an invalidation reaches every
// view that shows the resource, and a list keyed on its filters never shows another filter's
// pages.

import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';

/**
 * Cursor pagination for a generated `...InfiniteOptions`: the first page is asked without a
 * cursor (the generated query function reads an absent page parameter as `cursor: undefined`;
 * `null` would be taken for a page object), each next one with the last page's `next_cursor`,
 * until that is null.
 */
export const cursorPaging = {
  initialPageParam: undefined as never,
  getNextPageParam: (last: { next_cursor: string | null }) => last.next_cursor,
};

/** The key shared by every query of one generated operation, whatever its parameters (every
 * search, every page): to invalidate them all. */
export function everyQueryOf(queryKey: (options: never) => readonly [{ _id: string }]): readonly [{ _id: string }] {
  return [{ _id: queryKey(undefined as never)[0]._id }];
}

/** The items of every page loaded so far (a `select` for infinite queries). */
export function allItems<T>(data: InfiniteData<{ items: T[] }>): T[] {
  return data.pages.flatMap((page) => page.items);
}

/** What a paginated list shows: its items, whether the first page is coming or failed, and more. */
export interface CursorList<T> {
  items: T[];
  status: 'pending' | 'error' | 'success';
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

export function cursorList<T>(query: UseInfiniteQueryResult<T[], unknown>): CursorList<T> {
  return {
    items: query.data ?? [],
    status: query.status,
    error: query.error,
    hasMore: query.hasNextPage,
    loadingMore: query.isFetchingNextPage,
    loadMore: () => {
      if (query.hasNextPage && !query.isFetchingNextPage) void query.fetchNextPage();
    },
  };
}
