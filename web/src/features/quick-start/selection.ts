// Keyboard selection in a result list: ArrowDown/ArrowUp move (wrapping), Home/End jump.
// Returns null for keys it does not handle.

export function moveSelection(index: number, key: string, count: number): number | null {
  if (count <= 0) return null;
  const current = Math.min(Math.max(index, 0), count - 1);
  switch (key) {
    case 'ArrowDown':
      return (current + 1) % count;
    case 'ArrowUp':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
