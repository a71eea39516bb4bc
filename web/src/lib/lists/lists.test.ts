import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { debounce } from './debounce';
import { createLatestPages, type Page } from './latestPages';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('debounce (quick start search)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('searches once, for the last text, after typing stops', () => {
    const search = vi.fn();
    const typed = debounce(search, 200);
    typed('p');
    vi.advanceTimersByTime(100);
    typed('pu');
    vi.advanceTimersByTime(100);
    typed('pump');
    vi.advanceTimersByTime(199);
    expect(search).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(search).toHaveBeenCalledTimes(1);
    expect(search).toHaveBeenCalledWith('pump');
  });

  it('flush runs the pending search at once (Enter before the delay), cancel drops it', () => {
    const search = vi.fn();
    const typed = debounce(search, 200);
    typed('pump');
    expect(typed.pending).toBe(true);
    typed.flush();
    expect(search).toHaveBeenCalledWith('pump');
    expect(typed.pending).toBe(false);
    typed.flush(); // nothing pending: no second call
    typed('valve');
    typed.cancel();
    vi.advanceTimersByTime(500);
    expect(search).toHaveBeenCalledTimes(1);
  });
});

describe('paginated list with changing filters', () => {
  type Params = { q: string };

  it('drops the answer for older filters, even when it arrives last', async () => {
    const answers = new Map<string, ReturnType<typeof deferred<Page<string>>>>();
    const pages = createLatestPages<Params, string>((p) => {
      const d = deferred<Page<string>>();
      answers.set(p.q, d);
      return d.promise;
    });
    const first = pages.setParams({ q: 'pum' });
    const second = pages.setParams({ q: 'pump' });
    answers.get('pump')?.resolve({ items: ['pump A'], next_cursor: null });
    await second;
    answers.get('pum')?.resolve({ items: ['pumice'], next_cursor: 'c' });
    await first;
    expect(pages.state.items).toEqual(['pump A']);
    expect(pages.state.nextCursor).toBeNull();
    expect(pages.state.status).toBe('ready');
  });

  it('appends the next page with the cursor, and never onto a newer filter', async () => {
    const calls: [string, string | null][] = [];
    const pending: ReturnType<typeof deferred<Page<string>>>[] = [];
    const pages = createLatestPages<Params, string>((p, cursor) => {
      calls.push([p.q, cursor]);
      const d = deferred<Page<string>>();
      pending.push(d);
      return d.promise;
    });
    const load = pages.setParams({ q: 'a' });
    pending[0]?.resolve({ items: ['1', '2'], next_cursor: 'c2' });
    await load;
    const more = pages.loadMore();
    expect(pages.state.loadingMore).toBe(true);
    pages.loadMore(); // a second scroll event while loading: ignored
    expect(calls).toEqual([
      ['a', null],
      ['a', 'c2'],
    ]);
    pending[1]?.resolve({ items: ['3'], next_cursor: null });
    await more;
    expect(pages.state.items).toEqual(['1', '2', '3']);

    // A "load more" still running when the filter changes is dropped.
    const reload = pages.setParams({ q: 'b' });
    pending[2]?.resolve({ items: ['b1'], next_cursor: 'x' });
    await reload;
    const late = pages.loadMore();
    const change = pages.setParams({ q: 'c' });
    pending[3]?.resolve({ items: ['b2'], next_cursor: null });
    pending[4]?.resolve({ items: ['c1'], next_cursor: null });
    await Promise.all([late, change]);
    expect(pages.state.items).toEqual(['c1']);
  });

  it('reports the error of the newest request', async () => {
    const pages = createLatestPages<Params, string>(async () => {
      throw new Error('server down');
    });
    await pages.setParams({ q: 'x' });
    expect(pages.state.status).toBe('error');
    expect((pages.state.error as Error).message).toBe('server down');
  });
});
