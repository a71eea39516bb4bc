// Every API call of the tree library. Components use these hooks, never the client.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { treesCreateTree, treesListTrees, treesSearchTrees, type TreeCreate, type TreeRead, type TreeStatus } from '../../client';
import {
  treesListCategoriesOptions,
  treesListTagsOptions,
  treesListTreesQueryKey,
  treesReadTreeUsageOptions,
} from '../../client/@tanstack/react-query.gen';
import type { Page } from '../../lib/lists/latestPages';
import { useLatestPages } from '../../lib/lists/hooks';

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

async function fetchLibraryPage(
  filters: LibraryFilters,
  cursor: string | null,
  signal: AbortSignal,
): Promise<Page<LibraryItem>> {
  const q = filters.q.trim();
  // The same filters narrow the list and the search (server side, so every page is full).
  const narrow = {
    category_id: filters.categoryId || null,
    tag: filters.tag ? [filters.tag] : null,
    status: filters.status || null,
  };
  if (q) {
    // Search ranks by relevance (the sort applies to the list only).
    const { data } = await treesSearchTrees({
      query: { q, ...narrow, cursor, limit: 20 },
      signal,
      throwOnError: true,
    });
    const items = data.items.map((hit) => ({
      tree: hit.tree,
      titleHighlight: hit.title_highlight,
      snippet: hit.snippet,
    }));
    return { items, next_cursor: data.next_cursor };
  }
  const { data } = await treesListTrees({
    query: { sort: filters.sort, ...narrow, cursor, limit: 24 },
    signal,
    throwOnError: true,
  });
  return { items: data.items.map((tree) => ({ tree })), next_cursor: data.next_cursor };
}

/** The library list for these filters (search when `q` is set); older answers are dropped. */
export function useLibrary(filters: LibraryFilters) {
  return useLatestPages(filters, fetchLibraryPage);
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

/** Published trees (for pickers: history filter, link targets), first 100 by title. */
export function usePublishedTrees() {
  return useQuery({
    queryKey: treesListTreesQueryKey({ query: { status: 'published', sort: 'title', limit: 100 } }),
    queryFn: async ({ signal }) =>
      (await treesListTrees({ query: { status: 'published', sort: 'title', limit: 100 }, signal, throwOnError: true }))
        .data.items,
    staleTime: 30_000,
  });
}

export function useCreateTree() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: TreeCreate) => (await treesCreateTree({ body, throwOnError: true })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: [{ _id: 'treesReadTreeUsage' }] }),
  });
}
