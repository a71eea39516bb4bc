// React bindings for lists: a debounced filter value, and infinite scroll.

import { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { debounce } from './debounce';

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
