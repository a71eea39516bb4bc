import { describe, expect, it, vi } from 'vitest';

import { deferred } from '../../test/deferred';
import { createRefreshQueue } from './refreshQueue';

describe('refresh queue', () => {
  it('runs one refresh for every caller waiting at the same time', async () => {
    const refresh = vi.fn(async () => 'token-2');
    const queue = createRefreshQueue(refresh);

    const results = await Promise.all(Array.from({ length: 10 }, () => queue.next()));

    expect(refresh).toHaveBeenCalledTimes(1);
    expect(results).toEqual(Array(10).fill('token-2'));
    expect(queue.running).toBe(false);
    expect(queue.waiting).toBe(0);
  });

  it('starts a new refresh for callers that arrive after the last one finished', async () => {
    let n = 0;
    const queue = createRefreshQueue(async () => `token-${++n}`);

    expect(await queue.next()).toBe('token-1');
    expect(await queue.next()).toBe('token-2');
  });

  it('rejects every waiter when the refresh fails, and the next caller tries again', async () => {
    const refresh = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('offline'))
      .mockResolvedValueOnce('token-2');
    const queue = createRefreshQueue(refresh);

    const outcomes = await Promise.allSettled([queue.next(), queue.next(), queue.next()]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);

    expect(await queue.next()).toBe('token-2');
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('treats a refresh that throws synchronously like one that rejects', async () => {
    const queue = createRefreshQueue<string>(() => {
      throw new Error('boom');
    });
    await expect(queue.next()).rejects.toThrow('boom');
    expect(queue.running).toBe(false);
  });

  it('calls every waiter even when one throws, and leaves the queue clean', async () => {
    const gate = deferred<string>();
    const refresh = vi.fn(() => gate.promise);
    const reported: unknown[] = [];
    const queue = createRefreshQueue(refresh, (error) => reported.push(error));

    const seen: string[] = [];
    queue.enqueue({ resolve: (t) => seen.push(`a:${t}`), reject: () => undefined });
    queue.enqueue({
      resolve: () => {
        throw new Error('waiter bug');
      },
      reject: () => undefined,
    });
    queue.enqueue({ resolve: (t) => seen.push(`c:${t}`), reject: () => undefined });
    expect(queue.waiting).toBe(3);

    gate.resolve('token-2');
    await vi.waitFor(() => expect(queue.running).toBe(false));

    expect(seen).toEqual(['a:token-2', 'c:token-2']);
    expect(reported).toHaveLength(1);
    expect(queue.waiting).toBe(0);

    // The queue works as new afterwards: nothing of the old batch is called again.
    refresh.mockImplementation(async () => 'token-3');
    expect(await queue.next()).toBe('token-3');
    expect(seen).toEqual(['a:token-2', 'c:token-2']);
  });

  it('lets a waiter start the next refresh from its callback without being called twice', async () => {
    let n = 0;
    const queue = createRefreshQueue(async () => `token-${++n}`);
    const calls: string[] = [];
    const second = deferred<string>();

    queue.enqueue({
      resolve: (t) => {
        calls.push(t);
        // e.g. a request that got a 401 again with the new token and asks once more
        void queue.next().then(second.resolve);
      },
      reject: () => undefined,
    });

    expect(await second.promise).toBe('token-2');
    expect(calls).toEqual(['token-1']);
  });
});
