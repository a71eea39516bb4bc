// Double-submit guard: an action (save, publish, sign in) runs at most once at a time. The save
// button, the Enter key and Ctrl+S all call the same guarded function, so pressing twice, or
// pressing both, sends one request. The flag is set synchronously, before any re-render, so
// two events in the same tick cannot both get through.

export interface SingleFlight<A extends unknown[], T> {
  /** Starts the action unless it is already running; then returns the running one's promise. */
  run(...args: A): Promise<T>;
  readonly busy: boolean;
  subscribe(listener: () => void): () => void;
}

export function createSingleFlight<A extends unknown[], T>(action: (...args: A) => Promise<T>): SingleFlight<A, T> {
  let inflight: Promise<T> | null = null;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };

  return {
    run(...args) {
      if (inflight) return inflight;
      let started: Promise<T>;
      try {
        started = action(...args);
      } catch (error) {
        return Promise.reject(error);
      }
      const current = Promise.resolve(started).finally(() => {
        if (inflight === current) {
          inflight = null;
          notify();
        }
      });
      inflight = current;
      notify();
      return current;
    },
    get busy() {
      return inflight !== null;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
