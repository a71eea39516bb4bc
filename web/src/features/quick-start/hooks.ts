// Every API call of quick start: the search as you type. A hit opens the tree's start screen
// (features/sessions), which creates the session on the first answer.

import { keepPreviousData, useQuery } from '@tanstack/react-query';

import type { SearchHit, TreesSearchTreesResponse } from '../../client';
import { treesSearchTreesOptions } from '../../client/@tanstack/react-query.gen';

export type { SearchHit } from '../../client';

/** Only trees a session can start on. */
function startable(page: TreesSearchTreesResponse): SearchHit[] {
  return page.items.filter((hit) => hit.tree.status === 'published' && hit.tree.current_version);
}

/**
 * Ranked hits for `q` (published trees for technicians). Each text is its own query, so the
 * answer to an older text is never shown, even when it comes last; while the newer one is on
 * its way the older hits stay on screen, marked as placeholders.
 */
export function useTreeSearch(q: string) {
  return useQuery({
    ...treesSearchTreesOptions({ query: { q, limit: 8 } }),
    enabled: q !== '',
    placeholderData: keepPreviousData,
    select: startable,
  });
}
