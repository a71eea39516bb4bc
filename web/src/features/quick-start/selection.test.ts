import { describe, expect, it } from 'vitest';

import { moveSelection } from './selection';

describe('quick start arrow keys', () => {
  it('moves through the hits and wraps around', () => {
    expect(moveSelection(0, 'ArrowDown', 3)).toBe(1);
    expect(moveSelection(2, 'ArrowDown', 3)).toBe(0);
    expect(moveSelection(0, 'ArrowUp', 3)).toBe(2);
    expect(moveSelection(1, 'Home', 3)).toBe(0);
    expect(moveSelection(1, 'End', 3)).toBe(2);
  });

  it('ignores other keys and empty lists, and clamps a stale index', () => {
    expect(moveSelection(0, 'Enter', 3)).toBeNull();
    expect(moveSelection(0, 'ArrowDown', 0)).toBeNull();
    expect(moveSelection(7, 'ArrowUp', 3)).toBe(1);
  });
});
