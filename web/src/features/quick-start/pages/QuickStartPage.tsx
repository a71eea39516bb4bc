import { useCallback, useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router';

import { startPath } from '../../../app/paths';
import { describeError } from '../../../lib/api/errors';
import { useDebouncedValue } from '../../../lib/lists/hooks';
import { FormErrors } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { Highlight } from '../../trees/components/Highlight';
import { useTreeSearch } from '../hooks';
import { moveSelection } from '../selection';

export const SEARCH_DELAY_MS = 200;

/** Two keystrokes to a tree's start screen: type, Enter (then its number key answers the first
 * question). Arrow keys pick another hit. */
export function QuickStartPage() {
  usePageTitle('Quick start');
  const id = useId();
  const navigate = useNavigate();
  const open = useCallback((treeId: string) => void navigate(startPath(treeId)), [navigate]);
  const [text, setText] = useState('');
  const [q, flush] = useDebouncedValue(text.trim(), SEARCH_DELAY_MS);
  const search = useTreeSearch(q);
  const [selected, setSelected] = useState(0);
  const [startWhenReady, setStartWhenReady] = useState(false);

  // The hits for `q` itself (not the older ones kept on screen while they come).
  const answered = q && search.isSuccess && !search.isPlaceholderData ? search.data : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new answer selects its top hit
  useEffect(() => {
    setSelected(0);
  }, [answered]);
  const hits = q ? (search.data ?? []) : [];
  const upToDate = text.trim() === '' || (q === text.trim() && answered !== undefined);

  // Enter pressed before the answer for the typed text came: start as soon as it does.
  useEffect(() => {
    if (!startWhenReady || !upToDate) return;
    setStartWhenReady(false);
    const hit = hits[0]; // a new answer: its top hit
    if (hit) open(hit.tree.id);
  }, [startWhenReady, upToDate, hits, open]);

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (!text.trim()) return;
      if (upToDate) {
        const hit = hits[selected];
        if (hit) open(hit.tree.id);
      } else {
        flush();
        setStartWhenReady(true);
      }
      return;
    }
    if (event.key === 'Home' || event.key === 'End') return; // keep them for the text
    const next = moveSelection(selected, event.key, hits.length);
    if (next !== null) {
      event.preventDefault();
      setSelected(next);
    }
  };

  const listId = `${id}-results`;
  const optionId = (i: number) => `${id}-hit-${i}`;
  const active = upToDate && hits.length > 0;
  return (
    <div className="quick-start">
      <h1>Quick start</h1>
      <div className="field">
        <label htmlFor={`${id}-q`}>What is the problem?</label>
        <input
          id={`${id}-q`}
          className="quick-input"
          type="search"
          role="combobox"
          aria-expanded={active}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={active ? optionId(selected) : undefined}
          autoComplete="off"
          // biome-ignore lint/a11y/noAutofocus: the page exists to type here at once
          autoFocus
          placeholder="e.g. pump does not start"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <p className="field-hint keyboard-only">↑ ↓ to choose, Enter to open.</p>
      </div>
      <FormErrors messages={describeError(search.error).general} />
      <div id={listId} role="listbox" aria-label="Matching trees" className="hits">
        {hits.map((hit, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard works from the search box (arrows, Enter)
          <div
            key={hit.tree.id}
            tabIndex={-1}
            id={optionId(i)}
            role="option"
            aria-selected={i === selected}
            className={i === selected ? 'hit selected' : 'hit'}
            onClick={() => {
              setSelected(i);
              open(hit.tree.id);
            }}
          >
            <span className="hit-title">
              <Highlight parts={hit.title_highlight} />
            </span>
            {hit.snippet.length > 0 && (
              <span className="hit-snippet muted">
                <Highlight parts={hit.snippet} />
              </span>
            )}
            <span className="hit-meta muted">
              {hit.tree.category?.name ?? 'No category'} · used {hit.tree.usage_count}×
            </span>
          </div>
        ))}
      </div>
      {upToDate && q && hits.length === 0 && <p className="empty">No published tree matches “{q}”.</p>}
    </div>
  );
}
