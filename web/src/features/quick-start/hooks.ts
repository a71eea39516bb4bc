// Every API call of quick start: the search as you type. Starting a session is the sessions
// feature's `useStartSession`.

import { useCallback } from 'react';

import { treesSearchTrees } from '../../client';

export type { SearchHit } from '../../client';
export { useStartSession } from '../sessions/hooks';

/** One page of ranked hits for `q` (published trees for technicians). */
export function useTreeSearch() {
  return useCallback(
    async (q: string, signal: AbortSignal) =>
      (await treesSearchTrees({ query: { q, limit: 8 }, signal, throwOnError: true })).data.items,
    [],
  );
}
