import { describe, expect, it, vi } from 'vitest';

import { deferred } from '../../test/deferred';
import { createSingleFlight } from './singleFlight';

describe('double-submit guard', () => {
  it('sends one save when the button and Ctrl+S fire in the same tick', async () => {
    const response = deferred<string>();
    const save = vi.fn(() => response.promise);
    const guard = createSingleFlight(save);

    const fromButton = guard.run();
    const fromShortcut = guard.run();
    const fromDoubleClick = guard.run();

    expect(save).toHaveBeenCalledTimes(1);
    expect(guard.busy).toBe(true);
    response.resolve('saved revision 4');
    expect(await Promise.all([fromButton, fromShortcut, fromDoubleClick])).toEqual(Array(3).fill('saved revision 4'));
    expect(guard.busy).toBe(false);
  });

  it('allows the next save once the previous one has finished', async () => {
    const save = vi.fn(async (revision: number) => revision + 1);
    const guard = createSingleFlight(save);
    expect(await guard.run(1)).toBe(2);
    expect(await guard.run(2)).toBe(3);
    expect(save).toHaveBeenCalledTimes(2);
  });

  it('is released after a failed save, so the user can retry', async () => {
    const save = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('409 stale revision'))
      .mockResolvedValueOnce('ok');
    const guard = createSingleFlight(save);
    await expect(guard.run()).rejects.toThrow('409');
    expect(guard.busy).toBe(false);
    expect(await guard.run()).toBe('ok');
  });

  it('is released when the action throws before returning a promise', async () => {
    const guard = createSingleFlight((): Promise<void> => {
      throw new Error('invalid form');
    });
    await expect(guard.run()).rejects.toThrow('invalid form');
    expect(guard.busy).toBe(false);
  });

  it('tells subscribers when it becomes busy and idle (to disable the button)', async () => {
    const done = deferred<void>();
    const guard = createSingleFlight(() => done.promise);
    const states: boolean[] = [];
    guard.subscribe(() => states.push(guard.busy));
    const run = guard.run();
    guard.run();
    done.resolve();
    await run;
    expect(states).toEqual([true, false]);
  });
});
