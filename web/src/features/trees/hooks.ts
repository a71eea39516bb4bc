// Every API call of the tree library. Components use these hooks, never the client.

import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { treesCreateTree, type SearchHit, type TreeCreate, type TreeRead, type TreeStatus } from '../../client';
import {
  accountReadAccountQueryKey,
  treesListCategoriesOptions,
  treesListCategoriesQueryKey,
  treesListTagsOptions,
  treesListTagsQueryKey,
  treesListTreesInfiniteOptions,
  treesListTreesOptions,
  treesListTreesQueryKey,
  treesReadTreeQueryKey,
  treesReadTreeUsageOptions,
  treesReadTreeUsageQueryKey,
  treesSearchTreesInfiniteOptions,
  treesSearchTreesQueryKey,
} from '../../client/@tanstack/react-query.gen';
import { allItems, cursorList, cursorPaging, everyQueryOf } from '../../lib/api/query';

export type { CategoryRead, SearchHit, TagRead, TreeRead, TreeStatus, HighlightPart } from '../../client';

export type TreeSort = 'updated' | 'title' | 'most_used';

export interface LibraryFilters {
  q: string;
  categoryId: string;
  tag: string;
  status: TreeStatus | '';
  sort: TreeSort;
}

export const EMPTY_FILTERS: LibraryFilters = { q: '', categoryId: '', tag: '', status: '', sort: 'updated' };

/** A library card: a tree, plus the highlighted title when it came from a search. */
export interface LibraryItem {
  tree: TreeRead;
  titleHighlight?: { text: string; match: boolean }[];
  snippet?: { text: string; match: boolean }[];
}

function libraryItem(hit: SearchHit): LibraryItem {
  return { tree: hit.tree, titleHighlight: hit.title_highlight, snippet: hit.snippet };
}
const searchItems = (data: InfiniteData<{ items: SearchHit[] }>): LibraryItem[] => allItems(data).map(libraryItem);
const listItems = (data: InfiniteData<{ items: TreeRead[] }>): LibraryItem[] =>
  allItems(data).map((tree) => ({ tree }));

/** The library list for these filters (search when `q` is set), page by page. Each filter set
 * is its own query, so a page for other filters is never shown or appended. */
export function useLibrary(filters: LibraryFilters) {
  const q = filters.q.trim();
  // The same filters narrow the list and the search (server side, so every page is full).
  const narrow = {
    category_id: filters.categoryId || null,
    tag: filters.tag ? [filters.tag] : null,
    status: filters.status || null,
  };
  // Search ranks by relevance (the sort applies to the list only).
  const search = useInfiniteQuery({
    ...treesSearchTreesInfiniteOptions({ query: { q, ...narrow, limit: 20 } }),
    ...cursorPaging,
    select: searchItems,
    enabled: q !== '',
  });
  const list = useInfiniteQuery({
    ...treesListTreesInfiniteOptions({ query: { sort: filters.sort, ...narrow, limit: 24 } }),
    ...cursorPaging,
    select: listItems,
    enabled: q === '',
  });
  return cursorList(q ? search : list);
}

export function useCategories() {
  return useQuery({ ...treesListCategoriesOptions(), staleTime: 60_000 });
}

export function useTags() {
  return useQuery({ ...treesListTagsOptions(), staleTime: 60_000 });
}

export function useTreeUsage(enabled: boolean) {
  return useQuery({ ...treesReadTreeUsageOptions(), enabled });
}

const PUBLISHED = { query: { status: 'published', sort: 'title', limit: 100 } } as const;

/** Published trees (for pickers: history filter, link targets), first 100 by title. */
export function usePublishedTrees(enabled = true) {
  return useQuery({
    ...treesListTreesOptions(PUBLISHED),
    select: (page) => page.items,
    enabled,
    staleTime: 30_000,
  });
}

/**
 * After a tree changed (created, saved, published): every list, search, count and picker
 * of trees asks again. The tree itself (`GET trees/{id}`) is only marked stale: the editor holds
 * the draft being edited and is not reloaded behind the author's back; the next view that opens
 * the tree (an intake form, the editor again) fetches it.
 */
export function useTreesChanged() {
  const queryClient = useQueryClient();
  return (treeId?: string) =>
    Promise.all([
      ...[
        treesListTreesQueryKey(),
        everyQueryOf(treesSearchTreesQueryKey),
        treesListCategoriesQueryKey(),
        treesListTagsQueryKey(),
        treesReadTreeUsageQueryKey(),
        accountReadAccountQueryKey(), // the plan's use
      ].map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      treeId &&
        queryClient.invalidateQueries({
          queryKey: treesReadTreeQueryKey({ path: { tree_id: treeId } }),
          refetchType: 'none',
        }),
    ]);
}

export function useCreateTree() {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async (body: TreeCreate) => (await treesCreateTree({ body, throwOnError: true })).data,
    onSuccess: () => void treesChanged(),
  });
}
