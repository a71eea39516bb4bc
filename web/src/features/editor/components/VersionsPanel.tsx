import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { ConfirmDialog } from '../../../ui/dialogs';
import { FormErrors } from '../../../ui/forms';
import type { ComparePair } from '../compare';
import { useVersions, type VersionListItem } from '../hooks';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * Every published version (newest first; the live one marked), a compare of any two or of the
 * draft against one, and restoring a version into the draft (asked first; undone from the
 * notice that follows).
 */
export function VersionsPanel({
  treeId,
  busy,
  comparing,
  onCompare,
  onRestore,
}: {
  treeId: string;
  busy: boolean;
  comparing: ComparePair | null;
  onCompare: (pair: ComparePair) => void;
  onRestore: (number: number) => void;
}) {
  const versions = useVersions(treeId);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('draft');
  const [restoring, setRestoring] = useState<VersionListItem | null>(null);
  const items = versions.items;
  const live = items.find((v) => v.is_live)?.number ?? null;
  const versionOptions = items.map((v) => (
    <option key={v.number} value={v.number}>
      Version {v.number}
    </option>
  ));
  const fromValue = from || String(items[1]?.number ?? items[0]?.number ?? '');

  if (versions.status === 'pending') return <p className="muted">Loading versions…</p>;
  if (versions.status === 'error') return <FormErrors messages={describeError(versions.error).general} />;
  if (items.length === 0) {
    return <p className="muted panel-empty">Not published yet: each publish adds a version here.</p>;
  }
  return (
    <section className="panel-section versions-panel" aria-label="Versions">
      <form
        className="compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          const a = Number(fromValue);
          if (a) onCompare({ from: a, to: to === 'draft' ? 'draft' : Number(to) });
        }}
      >
        <div className="field">
          <label htmlFor="compare-from">Compare</label>
          <select id="compare-from" value={fromValue} onChange={(e) => setFrom(e.target.value)}>
            {versionOptions}
          </select>
        </div>
        <div className="field">
          <label htmlFor="compare-to">with</label>
          <select id="compare-to" value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="draft">The draft</option>
            {versionOptions}
          </select>
        </div>
        <button type="submit" className="button small primary">
          Compare
        </button>
        {live !== null && (
          <button
            type="button"
            className="button small"
            onClick={() => onCompare({ from: live, to: 'draft' })}
            aria-pressed={comparing?.from === live && comparing?.to === 'draft'}
          >
            Draft vs live
          </button>
        )}
      </form>
      <ol className="version-list" aria-label="Published versions">
        {items.map((v) => (
          <li key={v.number} className="version-item" aria-label={`Version ${v.number}`}>
            <div className="version-head">
              <strong>Version {v.number}</strong>
              {v.number === live && <span className="badge ok">live</span>}
              <span className="muted">{when(v.published_at)}</span>
            </div>
            <p className="version-changelog">{v.changelog || <em className="muted">No changelog</em>}</p>
            <p className="muted version-meta">
              <span>by {v.published_by_name ?? 'a former member'}</span>
              <span>
                {v.session_count} session{v.session_count === 1 ? '' : 's'} run on it
              </span>
            </p>
            <div className="actions">
              {v.number !== live && (
                <button
                  type="button"
                  className="button small"
                  onClick={() => onCompare({ from: v.number, to: live ?? 'draft' })}
                >
                  Compare with live
                </button>
              )}
              <button
                type="button"
                className="button small"
                aria-disabled={busy || undefined}
                onClick={() => setRestoring(v)}
              >
                Restore into draft
              </button>
            </div>
          </li>
        ))}
      </ol>
      {versions.hasMore && (
        <button type="button" className="button small" onClick={versions.loadMore}>
          Load more versions
        </button>
      )}
      {restoring && (
        <ConfirmDialog
          title={`Restore version ${restoring.number} into the draft?`}
          confirm={`Restore version ${restoring.number}`}
          busy={busy}
          onCancel={() => setRestoring(null)}
          onConfirm={() => {
            onRestore(restoring.number);
            setRestoring(null);
          }}
        >
          <p>
            The draft is replaced by version {restoring.number}
            {restoring.changelog ? ` (“${restoring.changelog}”)` : ''}. The live version does not change until you
            publish. You can undo this right after.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
