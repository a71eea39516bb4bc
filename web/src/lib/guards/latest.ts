// Stale response guard: when a view fires a new request (a filter changed, the user typed
// another letter), answers to the older requests are discarded even if they arrive later.
// The previous request is also aborted, which saves bandwidth but is not what makes it
// correct: a response that arrives anyway is still dropped.
//
//   const guard = createLatestGuard();
//   const result = await guard.run((signal) => search(q, { signal }));
//   if (result.stale) return;   // a newer search started: ignore this answer
//   show(result.value);

export type LatestResult<T> = { stale: false; value: T } | { stale: true };

export interface LatestGuard {
  /** Runs `task` as the newest request; resolves `{stale: true}` if a newer one started
   * before it finished (whether it succeeded or failed). Errors of the newest are thrown. */
  run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<LatestResult<T>>;
  /** Marks every running request stale (a view that closes or resets). */
  cancel(): void;
  /** Number of the newest request (starts at 0): lets a caller tag its own state. */
  readonly current: number;
}

export function createLatestGuard(): LatestGuard {
  let current = 0;
  let controller: AbortController | null = null;

  return {
    async run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<LatestResult<T>> {
      controller?.abort();
      const mine = new AbortController();
      controller = mine;
      const ticket = ++current;
      try {
        const value = await task(mine.signal);
        return ticket === current ? { stale: false, value } : { stale: true };
      } catch (error) {
        if (ticket !== current) return { stale: true };
        throw error;
      } finally {
        if (controller === mine) controller = null;
      }
    },
    cancel() {
      current += 1;
      controller?.abort();
      controller = null;
    },
    get current() {
      return current;
    },
  };
}
