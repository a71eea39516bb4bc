import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';

import { debounce } from './debounce';
import { createLatestPages, type FetchPage, type LatestPages, type PagesState } from './latestPages';

/**
 * A paginated list for `params` (compared as JSON): the first page is fetched whenever they
 * change, `loadMore` appends the next one. Answers for older params are discarded.
 */
export function useLatestPages<P, T>(
  params: P,
  fetchPage: FetchPage<P, T>,
  enabled = true,
): PagesState<T> & { loadMore: () => void; reload: () => void } {
  const fetchRef = useRef(fetchPage);
  useLayoutEffect(() => {
    fetchRef.current = fetchPage;
  });
  const [pages] = useState<LatestPages<P, T>>(() =>
    createLatestPages<P, T>((p, cursor, signal) => fetchRef.current(p, cursor, signal)),
  );
  const state = useSyncExternalStore(pages.subscribe, () => pages.state, () => pages.state);
  const key = JSON.stringify(params);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  // biome-ignore lint/correctness/useExhaustiveDependencies: params are compared by value (key)
  useEffect(() => {
    if (enabled) void pages.setParams(paramsRef.current);
  }, [key, enabled, pages]);
  useEffect(() => () => pages.cancel(), [pages]);
  return {
    ...state,
    loadMore: () => void pages.loadMore(),
    reload: () => void pages.reload(),
  };
}

/** `value`, once it has stopped changing for `delay` ms. `flush()` settles it at once. */
export function useDebouncedValue<T>(value: T, delay: number): [T, () => void] {
  const [settled, setSettled] = useState(value);
  const [debounced] = useState(() => debounce((next: T) => setSettled(next), delay));
  useEffect(() => {
    debounced(value);
  }, [value, debounced]);
  useEffect(() => () => debounced.cancel(), [debounced]);
  const flush = () => {
    debounced.flush();
  };
  return [settled, flush];
}

/** Calls `onVisible` when the element scrolls into view (infinite scroll). A change of `epoch`
 * (the number of items loaded) checks again, so a sentinel still in view loads the next page. */
export function useOnVisible<E extends Element>(onVisible: () => void, enabled: boolean, epoch = 0) {
  const ref = useRef<E | null>(null);
  const callback = useRef(onVisible);
  useLayoutEffect(() => {
    callback.current = onVisible;
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: epoch re-arms the observer on purpose
  useEffect(() => {
    const el = ref.current;
    if (!el || !enabled || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) callback.current();
      },
      { rootMargin: '200px' },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [enabled, epoch]);
  return ref;
}
