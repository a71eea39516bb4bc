// A node's answers as big buttons with their number key (hidden on touch screens), and the
// keys themselves: 1-9 pick an answer, Backspace goes back. Shared by the runner and the start
// screen (where an answer submits the intake form with it).

import { useLayoutEffect, useRef } from 'react';

import { isBackKey, optionIndexForKey } from '../shortcuts';
import { plainText } from '../text';

export interface Option {
  id: string;
  label: string;
}

export function OptionButtons({
  options,
  suggested = null,
  busy,
  onChoose,
}: {
  options: readonly Option[];
  suggested?: string | null;
  busy: boolean;
  /** Called with the option; without it each button submits its form with the option's id. */
  onChoose?: (optionId: string) => void;
}) {
  if (options.length === 0) return null;
  return (
    <ol className="options" aria-label="Answers">
      {options.map((option, i) => (
        <li key={option.id}>
          <button
            type={onChoose ? 'button' : 'submit'}
            name={onChoose ? undefined : 'option'}
            value={onChoose ? undefined : option.id}
            data-option-index={i}
            className={option.id === suggested ? 'option-button suggested' : 'option-button'}
            aria-disabled={busy || undefined}
            aria-keyshortcuts={i < 9 ? String(i + 1) : undefined}
            aria-label={plainText(option.label)}
            onClick={onChoose ? () => onChoose(option.id) : undefined}
          >
            {i < 9 && <kbd className="keyboard-only">{i + 1}</kbd>}
            <span>{plainText(option.label)}</span>
            {option.id === suggested && <span className="badge">previous answer</span>}
          </button>
        </li>
      ))}
    </ol>
  );
}

/**
 * The runner's keys on the whole window: a number picks the answer shown with it (`onOption`
 * with its index), Backspace calls `onBack` (when given). Attached before the node is painted (a
 * layout effect): a key pressed as soon as the node shows is never lost to a listener that is
 * not there yet; the callbacks always see what is on screen now.
 */
export function useAnswerKeys(optionCount: number, onOption: (index: number) => void, onBack?: (() => void) | null) {
  const latest = useRef({ optionCount, onOption, onBack });
  useLayoutEffect(() => {
    latest.current = { optionCount, onOption, onBack };
  });
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      // A dialog on top (ending the session) has the keys.
      if (document.querySelector('dialog[open]')) return;
      const now = latest.current;
      if (isBackKey(event)) {
        if (!now.onBack) return;
        event.preventDefault();
        now.onBack();
        return;
      }
      const index = optionIndexForKey(event, now.optionCount);
      if (index === null) return;
      event.preventDefault();
      now.onOption(index);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
