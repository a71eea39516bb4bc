import { describe, expect, it } from 'vitest';

import { createLatestGuard } from './latest';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('stale response guard', () => {
  it('discards an older answer that arrives after a newer one', async () => {
    const guard = createLatestGuard();
    const slow = deferred<string>();
    const fast = deferred<string>();
    const shown: string[] = [];
    const show = (result: { stale: boolean; value?: string }) => {
      if (!result.stale && result.value) shown.push(result.value);
    };

    const first = guard.run(() => slow.promise).then(show); // filter "pump"
    const second = guard.run(() => fast.promise).then(show); // filter "pump 2"

    fast.resolve('results for "pump 2"');
    await second;
    slow.resolve('results for "pump"');
    await first;

    expect(shown).toEqual(['results for "pump 2"']);
  });

  it('discards an older answer that arrives before the newer one', async () => {
    const guard = createLatestGuard();
    const a = deferred<number>();
    const b = deferred<number>();
    const ra = guard.run(() => a.promise);
    const rb = guard.run(() => b.promise);
    a.resolve(1);
    expect(await ra).toEqual({ stale: true });
    b.resolve(2);
    expect(await rb).toEqual({ stale: false, value: 2 });
  });

  it('aborts the previous request when a newer one starts', async () => {
    const guard = createLatestGuard();
    const signals: AbortSignal[] = [];
    const pending = deferred<void>();
    void guard.run((signal) => {
      signals.push(signal);
      return pending.promise;
    });
    void guard.run(async (signal) => {
      signals.push(signal);
    });
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    pending.resolve();
  });

  it('swallows the error of a stale request but throws the error of the newest', async () => {
    const guard = createLatestGuard();
    const old = deferred<string>();
    const oldResult = guard.run(() => old.promise);
    const newResult = guard.run(async () => {
      throw new Error('server down');
    });
    old.reject(new DOMException('aborted', 'AbortError'));
    expect(await oldResult).toEqual({ stale: true });
    await expect(newResult).rejects.toThrow('server down');
  });

  it('marks running requests stale on cancel (the view closed)', async () => {
    const guard = createLatestGuard();
    const pending = deferred<string>();
    const result = guard.run(() => pending.promise);
    guard.cancel();
    pending.resolve('late');
    expect(await result).toEqual({ stale: true });
  });
});
