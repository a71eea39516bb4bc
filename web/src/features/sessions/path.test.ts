import { describe, expect, it } from 'vitest';

import { backTarget, collapsePath, isAutomatic } from './path';

const step = (index: number, kind = 'question', automatic?: boolean) => ({ index, kind, automatic });

describe('back target', () => {
  it('is the step before the current one when a person chose there', () => {
    expect(backTarget([step(0), step(1), step(2)])).toBe(1);
  });

  it('skips the logic and link steps that branched on their own', () => {
    expect(backTarget([step(0), step(1, 'logic'), step(2, 'link'), step(3)])).toBe(0);
  });

  it('follows the API when it says a step was automatic', () => {
    expect(backTarget([step(0), step(1, 'question', true), step(2)])).toBe(0);
    expect(backTarget([step(0), step(1, 'logic', false), step(2)])).toBe(1);
  });

  it('is null at the first step, or when only automatic steps came before', () => {
    expect(backTarget([step(0)])).toBeNull();
    expect(backTarget([step(0, 'logic'), step(1)])).toBeNull();
    expect(backTarget([])).toBeNull();
  });

  it('knows which kinds move on by themselves', () => {
    expect(isAutomatic(step(0, 'logic'))).toBe(true);
    expect(isAutomatic(step(0, 'action'))).toBe(false);
  });
});

describe('collapsed path', () => {
  const steps = Array.from({ length: 20 }, (_, i) => i);

  it('shows the last steps and counts the hidden ones', () => {
    expect(collapsePath(steps, 3, false)).toEqual({ shown: [17, 18, 19], hidden: 17 });
  });

  it('shows everything when expanded', () => {
    expect(collapsePath(steps, 3, true)).toEqual({ shown: steps, hidden: 0 });
  });

  it('never hides a single step, nor collapses a short path', () => {
    expect(collapsePath([0, 1, 2, 3], 3, false)).toEqual({ shown: [0, 1, 2, 3], hidden: 0 });
    expect(collapsePath([0, 1], 3, false)).toEqual({ shown: [0, 1], hidden: 0 });
    expect(collapsePath([0, 1, 2, 3, 4], 3, false)).toEqual({ shown: [2, 3, 4], hidden: 2 });
  });
});
