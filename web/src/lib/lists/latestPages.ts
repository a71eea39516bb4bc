// A paginated list whose filters change under the user's hands (library filters, history
// filters, search as you type). Every request, first page or next page, goes through one stale
// response guard: when the filters change, answers to the older filters are dropped even if
// they arrive later, and a "load more" for old filters never appends to the new list.

import { createLatestGuard, type LatestGuard } from '../guards/latest';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type FetchPage<P, T> = (params: P, cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;

export interface PagesState<T> {
  items: T[];
  nextCursor: string | null;
  /** `loading`: the first page of the current filters is on its way. */
  status: 'idle' | 'loading' | 'ready' | 'error';
  loadingMore: boolean;
  error: unknown;
}

export interface LatestPages<P, T> {
  /** New filters: drop the list and fetch the first page (older answers are discarded). */
  setParams(params: P): Promise<void>;
  /** The next page of the current filters, if there is one and none is loading. */
  loadMore(): Promise<void>;
  /** Fetch the first page again (after a change elsewhere). */
  reload(): Promise<void>;
  readonly state: PagesState<T>;
  subscribe(listener: () => void): () => void;
  cancel(): void;
}

export const INITIAL_PAGES = {
  items: [],
  nextCursor: null,
  status: 'idle',
  loadingMore: false,
  error: null,
} as const satisfies PagesState<never>;

export function createLatestPages<P, T>(fetchPage: FetchPage<P, T>, guard: LatestGuard = createLatestGuard()): LatestPages<P, T> {
  let state: PagesState<T> = INITIAL_PAGES;
  let params: P | undefined;
  let hasParams = false;
  const listeners = new Set<() => void>();
  const set = (next: Partial<PagesState<T>>) => {
    state = { ...state, ...next };
    for (const listener of [...listeners]) listener();
  };

  const first = async () => {
    if (!hasParams) return;
    const current = params as P;
    set({ status: 'loading', loadingMore: false, error: null });
    try {
      const result = await guard.run((signal) => fetchPage(current, null, signal));
      if (result.stale) return;
      set({ items: result.value.items, nextCursor: result.value.next_cursor, status: 'ready' });
    } catch (error) {
      set({ status: 'error', error, items: [], nextCursor: null });
    }
  };

  return {
    setParams(next) {
      params = next;
      hasParams = true;
      set({ items: [], nextCursor: null });
      return first();
    },
    reload: first,
    async loadMore() {
      if (!hasParams || state.loadingMore || state.status !== 'ready' || !state.nextCursor) return;
      const current = params as P;
      const cursor = state.nextCursor;
      set({ loadingMore: true });
      try {
        const result = await guard.run((signal) => fetchPage(current, cursor, signal));
        if (result.stale) return;
        set({
          items: [...state.items, ...result.value.items],
          nextCursor: result.value.next_cursor,
          loadingMore: false,
        });
      } catch (error) {
        set({ loadingMore: false, error });
      }
    },
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    cancel() {
      guard.cancel();
    },
  };
}
