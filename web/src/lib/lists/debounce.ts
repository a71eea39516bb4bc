// Debounce: the value (or call) settles only after the user stops typing for `delay` ms.

export interface Debouncer<A extends unknown[]> {
  (...args: A): void;
  /** Run the pending call now (Enter pressed before the delay ran out). */
  flush(): void;
  cancel(): void;
  readonly pending: boolean;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, delay: number): Debouncer<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastArgs: A | null = null;
  const fire = () => {
    timer = null;
    const args = lastArgs;
    lastArgs = null;
    if (args) fn(...args);
  };
  const debounced = ((...args: A) => {
    lastArgs = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(fire, delay);
  }) as Debouncer<A>;
  debounced.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    fire();
  };
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    lastArgs = null;
  };
  Object.defineProperty(debounced, 'pending', { get: () => timer !== null });
  return debounced;
}
