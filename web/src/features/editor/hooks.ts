// Every API call of the tree editor. Components use these hooks, never the client.

import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  treesCheckLogicRule,
  treesPublishTree,
  treesRestoreTreeVersion,
  treesUpdateTree,
  treesValidateTree,
  type Graph,
  type Variable,
  type VersionListItem,
} from '../../client';
import {
  treesCompareTreeVersionsOptions,
  treesListTreeVersionsInfiniteOptions,
  treesListTreeVersionsQueryKey,
  treesLogicGrammarOptions,
  treesReadTreeOptions,
  treesReadTreeQueryKey,
  treesReadTreeVersionOptions,
} from '../../client/@tanstack/react-query.gen';
import { allItems, cursorList, cursorPaging, everyQueryOf } from '../../lib/api/query';
import { type ApiError, isApiError } from '../../lib/api/errors';
import { usePublishedTrees, useTreesChanged } from '../trees/hooks';
import { normaliseProblems, type Problem } from './model';

export type { TreeDetail, VersionDiff, VersionListItem } from '../../client';

/**
 * The tree with its draft (the same query as every other view of the tree). Fetched afresh when
 * the editor opens (`isFetchedAfterMount` tells the page), then never refetched behind the
 * author's back: the draft is being edited.
 */
export function useTreeDraft(treeId: string) {
  return useQuery({
    ...treesReadTreeOptions({ path: { tree_id: treeId } }),
    refetchOnMount: 'always',
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    gcTime: 0,
  });
}

/** Fetches the latest draft again (after a conflict). */
export function useReloadDraft(treeId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.refetchQueries({ queryKey: treesReadTreeQueryKey({ path: { tree_id: treeId } }) });
}

export interface SaveDraft {
  baseRevision: number;
  graph: Graph;
  title?: string;
  description?: string;
}

export function useSaveDraft(treeId: string) {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async ({ baseRevision, graph, title, description }: SaveDraft) =>
      (
        await treesUpdateTree({
          path: { tree_id: treeId },
          body: { base_revision: baseRevision, graph, title, description },
          throwOnError: true,
        })
      ).data,
    onSuccess: () => void treesChanged(treeId),
  });
}

export function usePublish(treeId: string) {
  const treesChanged = useTreesChanged();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ changelog, baseRevision }: { changelog: string; baseRevision: number }) =>
      (
        await treesPublishTree({
          path: { tree_id: treeId },
          body: { changelog, base_revision: baseRevision },
          throwOnError: true,
        })
      ).data,
    onSuccess: () => {
      void treesChanged(treeId);
      void queryClient.invalidateQueries({ queryKey: everyQueryOf(treesListTreeVersionsQueryKey) });
    },
  });
}

export function useValidate(treeId: string) {
  return useMutation({
    mutationFn: async () => (await treesValidateTree({ path: { tree_id: treeId }, throwOnError: true })).data,
  });
}

/** Published trees a link node can continue in (the pickers' list of the tree library). */
export function useLinkTargets(enabled: boolean) {
  return usePublishedTrees(enabled);
}

/** The problems of a 422 graph_invalid answer to publish (by node and field). */
export function publishProblems(error: unknown): Problem[] | null {
  if (!isApiError(error, 422)) return null;
  const first = error.errors[0] as (ApiError['errors'][number] & { problems?: Problem[] }) | undefined;
  return first?.code === 'graph_invalid' && Array.isArray(first.problems) ? normaliseProblems(first.problems) : null;
}

/** The revision someone else saved, when a save answered 409 draft_conflict. */
export function conflictRevision(error: unknown): number | null {
  if (!isApiError(error, 409) || error.code !== 'draft_conflict') return null;
  const first = error.errors[0] as { current_revision?: number } | undefined;
  return typeof first?.current_revision === 'number' ? first.current_revision : null;
}

// --------------------------------------------------------------------------- versions

/** The published versions, newest first, page by page. */
export function useVersions(treeId: string, enabled = true) {
  const query = useInfiniteQuery({
    ...treesListTreeVersionsInfiniteOptions({ path: { tree_id: treeId }, query: { limit: 50 } }),
    ...cursorPaging,
    select: allItems<VersionListItem>,
    enabled,
  });
  return cursorList(query);
}

/** One published version with its graph (versions never change: cached for good). */
export function useVersionGraph(treeId: string, number: number | null) {
  return useQuery({
    ...treesReadTreeVersionOptions({ path: { tree_id: treeId, number: number ?? 0 } }),
    enabled: number !== null,
    staleTime: Infinity,
    select: (version) => version.graph,
  });
}

/** What changed from version `from` to `to` (a version number or the saved draft). */
export function useCompare(treeId: string, pair: { from: number; to: number | 'draft'; revision?: number } | null) {
  return useQuery({
    ...treesCompareTreeVersionsOptions({
      path: { tree_id: treeId },
      query: { from: String(pair?.from ?? 1), to: String(pair?.to ?? 'draft') },
    }),
    enabled: pair !== null,
    // The draft changes as the author saves: compare it afresh each time.
    staleTime: pair?.to === 'draft' ? 0 : Infinity,
  });
}

/** Copies a version into the draft (the draft's revision is checked, like a save); the answer
 * holds the draft as it was before (`previous_draft`), for Undo. */
export function useRestoreVersion(treeId: string) {
  const treesChanged = useTreesChanged();
  return useMutation({
    mutationFn: async ({ number, baseRevision }: { number: number; baseRevision: number }) =>
      (
        await treesRestoreTreeVersion({
          path: { tree_id: treeId, number },
          body: { base_revision: baseRevision },
          throwOnError: true,
        })
      ).data,
    onSuccess: () => void treesChanged(treeId),
  });
}

// --------------------------------------------------------------------------- logic rules

/** The rule language's operators and keywords, for autocomplete (never changes while running). */
export function useRuleGrammar(enabled = true) {
  return useQuery({
    ...treesLogicGrammarOptions(),
    enabled,
    staleTime: Infinity,
    select: (grammar) => grammar.items.map((item) => ({ insert: item.text, hint: item.description })),
  });
}

export type RuleValues = Record<string, string | number | boolean | null>;

/**
 * The server's check of a rule (the first problem at its position, or what it gives for the
 * sample values): `POST trees/logic/check` is a question with no side effect, so it is cached
 * like a read, keyed by what it is asked.
 */
export function useRuleCheck(expression: string, variables: readonly Variable[], values: RuleValues = {}) {
  const body = { expression, variables: [...variables], values };
  return useQuery({
    queryKey: [{ _id: 'treesCheckLogicRule', body }] as const,
    queryFn: async ({ signal }) => (await treesCheckLogicRule({ body, signal, throwOnError: true })).data,
    enabled: expression.trim() !== '',
    staleTime: Infinity,
    placeholderData: (previous) => previous,
  });
}

/** The same check for several rules at once (Try the rules). */
export function useRuleChecks(expressions: readonly string[], variables: readonly Variable[], values: RuleValues) {
  return useQueries({
    queries: expressions.map((expression) => {
      const body = { expression, variables: [...variables], values };
      return {
        queryKey: [{ _id: 'treesCheckLogicRule', body }] as const,
        queryFn: async ({ signal }: { signal: AbortSignal }) =>
          (await treesCheckLogicRule({ body, signal, throwOnError: true })).data,
        enabled: expression.trim() !== '',
        staleTime: Infinity,
      };
    }),
  });
}
