// React bindings for lists: a debounced filter value, and infinite scroll.

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';

import { debounce } from './debounce';
import { type FilterSpec, readFilters, writeFilters } from './urlFilters';

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

/** Filters that live in the address: read from it on every render, and changed by replacing
 * the current entry (a shared link, Back to this page and a reload all show the same list). */
export function useUrlFilters<F extends Record<string, string>>(
  spec: FilterSpec<F>,
  defaults: F,
): [F, (change: Partial<F>) => void] {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params, spec, defaults);
  const change = (patch: Partial<F>) =>
    setParams(
      (current) => writeFilters({ ...readFilters(current, spec, defaults), ...patch }, spec, defaults, current),
      {
        replace: true,
      },
    );
  return [filters, change];
}

/** A search box over a filter in the address: the box answers every keystroke, the address
 * (and so the list) follows once typing pauses. */
export function useSearchText(value: string, onSettled: (text: string) => void, delay: number) {
  const [text, setText] = useState(value);
  const [settled, flush] = useDebouncedValue(text, delay);
  const latest = useRef(onSettled);
  useLayoutEffect(() => {
    latest.current = onSettled;
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new settled text is written
  useEffect(() => {
    if (settled !== value) latest.current(settled);
  }, [settled]);
  return { text, setText, flush };
}
