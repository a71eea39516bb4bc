// Runner shortcuts: keys 1-9 pick the option with that number, Backspace goes back. Ignored
// while typing in a field and with modifier keys (Ctrl+1 switches browser tabs).

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  repeat?: boolean;
  target?: unknown;
}

function isTyping(target: unknown): boolean {
  if (!target || typeof target !== 'object') return false;
  const el = target as { tagName?: string; isContentEditable?: boolean; type?: string };
  const tag = el.tagName?.toUpperCase();
  if (el.isContentEditable) return true;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el.type ?? 'text').toLowerCase();
    return !['button', 'submit', 'checkbox', 'radio', 'reset'].includes(type);
  }
  return false;
}

/** The index of the option a key press picks, or null. */
export function optionIndexForKey(event: KeyLike, optionCount: number): number | null {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return null;
  if (isTyping(event.target)) return null;
  if (!/^[1-9]$/.test(event.key)) return null;
  const index = Number(event.key) - 1;
  return index < optionCount ? index : null;
}

/** Backspace (outside a field, no modifiers) goes back one step. */
export function isBackKey(event: KeyLike): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return false;
  if (isTyping(event.target)) return false;
  return event.key === 'Backspace';
}
