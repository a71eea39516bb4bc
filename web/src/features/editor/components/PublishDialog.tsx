import { useRef, useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { Dialog } from '../../../ui/dialogs';
import { FormErrors } from '../../../ui/forms';
import { isEmptyDiff } from '../compare';
import { useCompare, useVersions } from '../hooks';
import { DIFF_LABEL } from './Compare';

/**
 * Publish asks for a changelog line and shows first what the new version changes against the
 * live one (the draft was saved and checked before this opens).
 */
export function PublishDialog({
  treeId,
  changelog,
  busy,
  errors,
  onChangelog,
  onPublish,
  onShowCompare,
  onClose,
}: {
  treeId: string;
  changelog: string;
  busy: boolean;
  errors: string[];
  onChangelog: (changelog: string) => void;
  onPublish: () => void;
  onShowCompare: (live: number) => void;
  onClose: () => void;
}) {
  const versions = useVersions(treeId);
  const live = versions.items.find((v) => v.is_live)?.number ?? null;
  const newest = versions.items[0]?.number ?? 0;
  const compare = useCompare(treeId, live === null ? null : { from: live, to: 'draft' });
  const [missing, setMissing] = useState(false);
  const focused = useRef(false);
  const next = newest + 1;
  const diff = compare.data;
  const ready = versions.status === 'success' && (live === null || !!diff);

  const submit = () => {
    if (!changelog.trim()) {
      setMissing(true);
      document.getElementById('changelog')?.focus();
      return;
    }
    if (ready && !busy) onPublish();
  };

  return (
    <Dialog title={`Publish version ${next}`} onClose={onClose} className="publish-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <FormErrors messages={[...errors, ...describeError(versions.error ?? compare.error).general]} />
        <section aria-label="Changes against the live version" className="publish-compare">
          {live === null ? (
            <p>This is the first version: technicians will see the tree once it is published.</p>
          ) : !diff ? (
            <p className="muted">Comparing with the live version {live}…</p>
          ) : isEmptyDiff(diff) ? (
            <p className="notice">The draft has the same steps as the live version {live}.</p>
          ) : (
            <>
              <p>Against the live version {live}:</p>
              <ul className="change-summary">
                {diff.nodes_added.length > 0 && (
                  <li className="diff-added">
                    {DIFF_LABEL.added}: {diff.nodes_added.map((n) => n.title || n.id).join(', ')}
                  </li>
                )}
                {diff.nodes_removed.length > 0 && (
                  <li className="diff-removed">
                    {DIFF_LABEL.removed}: {diff.nodes_removed.map((n) => n.title || n.id).join(', ')}
                  </li>
                )}
                {diff.nodes_changed.length > 0 && (
                  <li className="diff-changed">
                    {DIFF_LABEL.changed}: {diff.nodes_changed.map((n) => n.title || n.node_id).join(', ')}
                  </li>
                )}
                {(diff.edges_added.length > 0 || diff.edges_removed.length > 0) && (
                  <li>
                    Links: {diff.edges_added.length} added, {diff.edges_removed.length} removed
                  </li>
                )}
                {(diff.variables_added.length > 0 ||
                  diff.variables_removed.length > 0 ||
                  diff.variables_changed.length > 0) && (
                  <li>
                    Variables:{' '}
                    {[
                      ...diff.variables_added.map((v) => `${v.name} added`),
                      ...diff.variables_removed.map((v) => `${v.name} removed`),
                      ...diff.variables_changed.map((v) => `${v.name} changed`),
                    ].join(', ')}
                  </li>
                )}
              </ul>
              <button type="button" className="button small" onClick={() => onShowCompare(live)}>
                Show the changes on the graph
              </button>
            </>
          )}
        </section>
        <div className="field">
          <label htmlFor="changelog">Changelog</label>
          <input
            id="changelog"
            placeholder="What changed, in one line"
            maxLength={500}
            ref={(input) => {
              // The line to write is what the dialog asks first.
              if (input && !focused.current) {
                focused.current = true;
                input.focus();
              }
            }}
            value={changelog}
            aria-invalid={missing && !changelog.trim() ? true : undefined}
            aria-describedby={missing && !changelog.trim() ? 'changelog-error' : undefined}
            onChange={(e) => onChangelog(e.target.value)}
          />
          {missing && !changelog.trim() && (
            <p className="field-error" id="changelog-error">
              Say in one line what changed: the versions list shows it to other authors.
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="button primary" aria-disabled={busy || !ready || undefined}>
            {busy ? 'Publishing…' : `Publish version ${next}`}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
