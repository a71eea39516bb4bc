// React bindings of the double-submit guard, and the save shortcut that shares it.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';

import { createSingleFlight, type SingleFlight } from './singleFlight';

/**
 * A guarded action for a form or a save button: `run` starts it unless it is already running,
 * `busy` is true meanwhile (to disable the button and say "Saving..."). Errors are left to
 * the caller (TanStack mutations keep them in `mutation.error`); `run` never rejects.
 */
export function useSingleFlight<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
): { run: (...args: A) => void; busy: boolean } {
  const actionRef = useRef(action);
  useLayoutEffect(() => {
    actionRef.current = action;
  });
  const [flight] = useState<SingleFlight<A, unknown>>(() =>
    createSingleFlight((...args: A) => actionRef.current(...args)),
  );
  const busy = useSyncExternalStore(
    flight.subscribe,
    () => flight.busy,
    () => false,
  );
  const run = useCallback(
    (...args: A) => {
      flight.run(...args).catch(() => undefined);
    },
    [flight],
  );
  return { run, busy };
}

/** Ctrl+S / Cmd+S calls `save` (the same guarded function as the Save button). */
export function useSaveShortcut(save: () => void, enabled = true): void {
  const saveRef = useRef(save);
  useLayoutEffect(() => {
    saveRef.current = save;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        saveRef.current();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}
