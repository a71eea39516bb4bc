// Every API call of the analytics pages. Components use these hooks, never the client.

import { keepPreviousData, useQuery } from '@tanstack/react-query';

import type { InsightOutcome } from '../../client';
import {
  insightsListInsightTechniciansOptions,
  insightsReadAccountInsightsOptions,
  insightsReadTreeInsightsOptions,
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
 * Searches that found nothing, for the account overview. They are recorded by tree search and
 * read from `GET /api/v1/trees/search/misses`; until that endpoint is part of the API this
 * returns no list and the overview leaves the panel out. Wire it here (and only here).
 */
export function useEmptySearches(): { data: EmptySearch[] | undefined; isAvailable: boolean } {
  return { data: undefined, isAvailable: false };
}
