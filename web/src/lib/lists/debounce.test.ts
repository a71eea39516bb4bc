import { describe, expect, it, vi } from 'vitest';

import { fakeTimersInEachTest } from '../../test/deferred';
import { debounce } from './debounce';

describe('debounce (quick start search)', () => {
  fakeTimersInEachTest();

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
