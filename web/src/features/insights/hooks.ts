// Every API call of the analytics pages. Components use these hooks, never the client.

import { keepPreviousData, useQuery } from '@tanstack/react-query';

import type { InsightOutcome } from '../../client';
import {
  feedbackReadFeedbackCountsOptions,
  insightsListInsightTechniciansOptions,
  insightsReadAccountInsightsOptions,
  insightsReadTreeInsightsOptions,
  treesListSearchMissesOptions,
} from '../../client/@tanstack/react-query.gen';

export type {
  AccountInsights,
  Counted,
  InsightOutcome,
  NodeInsight,
  PathInsight,
  TreeInsights,
  TreeRank,
  TrendPoint,
} from '../../client';

/** The filters of a tree's analytics, as the address holds them ('' = any). */
export interface InsightFilters extends Record<string, string> {
  version: string;
  from: string;
  to: string;
  technician: string;
  outcome: string;
}

const orNull = (value: string) => value || null;

export function useTreeInsights(treeId: string, f: InsightFilters) {
  return useQuery({
    ...insightsReadTreeInsightsOptions({
      path: { tree_id: treeId },
      query: {
        version_id: orNull(f.version),
        date_from: orNull(f.from),
        date_to: orNull(f.to),
        technician_id: orNull(f.technician),
        outcome: (f.outcome || null) as InsightOutcome | null,
      },
    }),
    // Changing a filter keeps the old figures on screen until the new ones arrive.
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/** A version's figures for the editor's heat overlay (nothing fetched without a version). */
export function useVersionHeat(treeId: string, versionId: string | null) {
  return useQuery({
    ...insightsReadTreeInsightsOptions({ path: { tree_id: treeId }, query: { version_id: versionId } }),
    enabled: versionId !== null,
    retry: false,
  });
}

export function useInsightTechnicians(treeId: string) {
  return useQuery({ ...insightsListInsightTechniciansOptions({ path: { tree_id: treeId } }), retry: false });
}

export function useAccountInsights(from: string, to: string) {
  return useQuery({
    ...insightsReadAccountInsightsOptions({ query: { date_from: orNull(from), date_to: orNull(to) } }),
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/** A search that found nothing, most frequent first. */
export interface EmptySearch {
  query: string;
  count: number;
}

/**
 * Searches that found nothing in the overview's date range (whole UTC days, both ends
 * included), most frequent first, as tree search recorded them (`GET trees/search/misses`).
 * Authors only, like the overview; on an error the overview leaves the panel out.
 */
export function useEmptySearches(from: string, to: string): { data: EmptySearch[] | undefined; isAvailable: boolean } {
  const misses = useQuery({
    ...treesListSearchMissesOptions({
      query: { since: from ? `${from}T00:00:00Z` : null, until: to ? dayAfter(to) : null, limit: 50 },
    }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  return {
    data: misses.data?.map((m) => ({ query: m.query, count: m.count })),
    isAvailable: !misses.isError,
  };
}

/** The start of the UTC day after `day` (YYYY-MM-DD): the end of a range that includes it. */
function dayAfter(day: string): string {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString();
}

/** Technicians' feedback per node (open and resolved), for the version shown or all of them. */
export function useFeedbackCounts(treeId: string, version: string): Map<string, { open: number; resolved: number }> {
  const counts = useQuery({
    ...feedbackReadFeedbackCountsOptions({ path: { tree_id: treeId }, query: { version_id: orNull(version) } }),
    placeholderData: keepPreviousData,
    retry: false,
  });
  return new Map(
    (counts.data?.nodes ?? []).map((n) => [n.node_id, { open: n.open_total, resolved: n.resolved_total }]),
  );
}
