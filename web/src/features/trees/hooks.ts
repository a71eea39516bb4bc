// Every API call of the tree library. Components use these hooks, never the client.

import { useEffect } from 'react';

import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  type SearchHit,
  type TreeCreate,
  type TreeDocument,
  type TreeRead,
  type TreeStatus,
  treesArchiveTree,
  treesCreateTree,
  treesCreateTreeFromTemplate,
  treesDeleteTree,
  treesDuplicateTree,
  treesExportTree,
  treesImportTree,
  treesUnarchiveTree,
} from '../../client';
import {
  accountReadAccountQueryKey,
  treesListCategoriesOptions,
  treesListCategoriesQueryKey,
  treesListSearchMissesOptions,
  treesListSearchMissesQueryKey,
  treesListTagsOptions,
  treesListTagsQueryKey,
  treesListTreeTemplatesOptions,
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

/** The same filters narrow the list and the search (server side, so every page is full). */
function narrowed(filters: LibraryFilters) {
  return {
    category_id: filters.categoryId || null,
    tag: filters.tag ? [filters.tag] : null,
    status: filters.status || null,
  };
}

/** The search's query options (one cache entry per text and filters). */
function searchOptions(filters: LibraryFilters) {
  return treesSearchTreesInfiniteOptions({ query: { q: filters.q.trim(), ...narrowed(filters), limit: 20 } });
}

/** The library list for these filters (search when `q` is set), page by page. Each filter set
 * is its own query, so a page for other filters is never shown or appended. */
export function useLibrary(filters: LibraryFilters) {
  const q = filters.q.trim();
  // Search ranks by relevance (the sort applies to the list only).
  const search = useInfiniteQuery({
    ...searchOptions(filters),
    ...cursorPaging,
    select: searchItems,
    enabled: q !== '',
  });
  const list = useInfiniteQuery({
    ...treesListTreesInfiniteOptions({ query: { sort: filters.sort, ...narrowed(filters), limit: 24 } }),
    ...cursorPaging,
    select: listItems,
    enabled: q === '',
  });
  return cursorList(q ? search : list);
}

/** A search that found nothing: the API's "did you mean" (the query with the account's nearest
 * words), read from the same search query as `useLibrary` (the same cache entry, no request). */
export function useDidYouMean(filters: LibraryFilters) {
  const queryClient = useQueryClient();
  const search = useInfiniteQuery({
    ...searchOptions(filters),
    ...cursorPaging,
    select: (data) => data.pages[0]?.did_you_mean ?? null,
    enabled: filters.q.trim() !== '',
  });
  // The API recorded this search: the list of searches that found nothing asks again.
  const answeredAt = search.dataUpdatedAt;
  useEffect(() => {
    if (answeredAt) void queryClient.invalidateQueries({ queryKey: everyQueryOf(treesListSearchMissesQueryKey) });
  }, [answeredAt, queryClient]);
  return search;
}

/** Searches of the last `days` days that found nothing, most frequent first (authors only). */
export function useEmptySearches(enabled: boolean, days = 30) {
  const since = new Date(Date.now() - days * 86_400_000);
  since.setSeconds(0, 0); // one cache entry per minute, not per render
  return useQuery({
    ...treesListSearchMissesOptions({ query: { since: since.toISOString(), limit: 10 } }),
    enabled,
    staleTime: 60_000,
  });
}

/** What a search that found nothing offers: the most used published trees, to start from. */
export function useMostUsedTrees(enabled: boolean) {
  return useQuery({
    ...treesListTreesOptions({ query: { status: 'published', sort: 'most_used', limit: 5 } }),
    select: (data) => data.items,
    enabled,
  });
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

/** Archive (hidden from technicians) or bring back: published again if it has a version. */
export function useArchiveTree() {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async ({ tree, archived }: { tree: TreeRead; archived: boolean }) => {
      const options = { path: { tree_id: tree.id }, throwOnError: true } as const;
      return (archived ? await treesArchiveTree(options) : await treesUnarchiveTree(options)).data;
    },
    onSuccess: (_, { tree }) => void treesChanged(tree.id),
  });
}

export function useDeleteTree() {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async (tree: TreeRead) => {
      await treesDeleteTree({ path: { tree_id: tree.id }, throwOnError: true });
    },
    onSuccess: (_, tree) => void treesChanged(tree.id),
  });
}

async function exportDocument(treeId: string): Promise<TreeDocument> {
  return (await treesExportTree({ path: { tree_id: treeId }, query: { source: 'draft' }, throwOnError: true })).data;
}

/** A file name for a tree's export: its title in lower case, words joined by dashes. */
export function exportFileName(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'tree'}.troubletree.json`;
}

/** Downloads the tree (its draft, with title, tags and category) as a JSON file to import later. */
export function useExportTree() {
  return useMutation({
    mutationFn: async (tree: TreeRead) => {
      const document = await exportDocument(tree.id);
      const blob = new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const link = Object.assign(window.document.createElement('a'), {
        href: url,
        download: exportFileName(tree.title),
      });
      window.document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  });
}

/** What a chosen file holds, read as a tree document; a clear error when it is not JSON. */
export async function readTreeFile(file: File): Promise<TreeDocument> {
  const text = await file.text();
  try {
    return JSON.parse(text) as TreeDocument;
  } catch {
    throw new Error(`“${file.name}” is not a tree file: it is not JSON. Choose a file exported from TroubleTree.`);
  }
}

/** A new draft tree from an exported file (the server checks it is a tree). */
export function useImportTree() {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async (file: File) =>
      (await treesImportTree({ body: await readTreeFile(file), throwOnError: true })).data,
    onSuccess: () => void treesChanged(),
  });
}

/** A copy of the tree as a new draft ("Copy of …"). */
export function useDuplicateTree() {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async (tree: TreeRead) =>
      (await treesDuplicateTree({ path: { tree_id: tree.id }, throwOnError: true })).data,
    onSuccess: () => void treesChanged(),
  });
}

/** The starter trees shipped with the product. */
export function useTemplates(enabled: boolean) {
  return useQuery({ ...treesListTreeTemplatesOptions(), enabled, staleTime: Infinity });
}

/** A new draft from one of the starter trees shipped with the product. */
export function useCreateFromTemplate() {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async (templateId: string) =>
      (await treesCreateTreeFromTemplate({ body: { template_id: templateId }, throwOnError: true })).data,
    onSuccess: () => void treesChanged(),
  });
}
