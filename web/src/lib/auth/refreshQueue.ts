// Single-flight refresh: however many requests find their access token expired at once, one
// refresh runs and every waiter gets its result.
//
// Waiters are plain callbacks (the fetch wrapper wraps them in promises). When the refresh
// settles, the waiter list is swapped for an empty one *before* any waiter is called, so a
// waiter that throws (or that starts a new refresh from inside its callback) can never leave
// stale waiters behind or be called twice.

export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

export interface RefreshQueue<T> {
  /** Joins the current refresh, starting one if none is running. */
  enqueue(waiter: Waiter<T>): void;
  /** Promise form of `enqueue`. */
  next(): Promise<T>;
  readonly running: boolean;
  readonly waiting: number;
}

export function createRefreshQueue<T>(
  refresh: () => Promise<T>,
  onWaiterError: (error: unknown) => void = (error) => {
    console.error('A token refresh waiter failed', error);
  },
): RefreshQueue<T> {
  let waiters: Waiter<T>[] = [];
  let running = false;

  const settle = (outcome: { ok: true; value: T } | { ok: false; error: unknown }) => {
    const batch = waiters;
    waiters = [];
    running = false;
    for (const waiter of batch) {
      try {
        if (outcome.ok) waiter.resolve(outcome.value);
        else waiter.reject(outcome.error);
      } catch (error) {
        onWaiterError(error);
      }
    }
  };

  const start = () => {
    running = true;
    let promise: Promise<T>;
    try {
      promise = refresh();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => settle({ ok: true, value }),
      (error: unknown) => settle({ ok: false, error }),
    );
  };

  const queue: RefreshQueue<T> = {
    enqueue(waiter) {
      waiters.push(waiter);
      if (!running) start();
    },
    next() {
      return new Promise<T>((resolve, reject) => queue.enqueue({ resolve, reject }));
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiters.length;
    },
  };
  return queue;
}
