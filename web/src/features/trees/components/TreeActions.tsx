import { useId, useState } from 'react';
import { useNavigate } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { ConfirmDialog } from '../../../ui/dialogs';
import { FormErrors } from '../../../ui/forms';
import { type TreeRead, useArchiveTree, useDeleteTree, useDuplicateTree, useExportTree } from '../hooks';

/** An author's actions on one tree card: export, duplicate, archive or bring back, delete (asked first). */
export function TreeActions({ tree, onDone }: { tree: TreeRead; onDone: (message: string) => void }) {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const menuId = useId();
  const archive = useArchiveTree();
  const remove = useDeleteTree();
  const duplicate = useDuplicateTree();
  const exportTree = useExportTree();
  const archived = tree.status === 'archived';

  const action = useSingleFlight(async (kind: 'archive' | 'restore' | 'duplicate' | 'export' | 'delete') => {
    for (const m of [archive, remove, duplicate, exportTree]) m.reset();
    if (kind === 'archive' || kind === 'restore') {
      const after = await archive.mutateAsync({ tree, archived: kind === 'archive' });
      onDone(
        kind === 'archive'
          ? `“${tree.title}” archived: technicians no longer see it. Find it under Status: Archived.`
          : `“${tree.title}” restored${after.status === 'published' ? ': technicians see it again' : ' as a draft'}.`,
      );
    } else if (kind === 'duplicate') {
      const copy = await duplicate.mutateAsync(tree);
      void navigate(`/trees/${copy.id}/edit`);
    } else if (kind === 'export') {
      await exportTree.mutateAsync(tree);
    } else {
      await remove.mutateAsync(tree);
      setDeleting(false);
      onDone(`“${tree.title}” deleted.`);
    }
    setOpen(false);
  });
  const errors = [archive, remove, duplicate, exportTree].flatMap((m) => describeError(m.error).general);

  return (
    <div className="tree-actions">
      <button
        type="button"
        className="button small"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={`More actions for ${tree.title}`}
        onClick={() => setOpen((o) => !o)}
      >
        More…
      </button>
      {open && (
        <ul id={menuId} className="tree-menu" aria-label={`Actions for ${tree.title}`}>
          <li>
            <button type="button" className="link-button wrap" onClick={() => action.run('export')}>
              Export as a file
            </button>
          </li>
          <li>
            <button type="button" className="link-button wrap" onClick={() => action.run('duplicate')}>
              Duplicate
            </button>
          </li>
          <li>
            <button
              type="button"
              className="link-button wrap"
              onClick={() => action.run(archived ? 'restore' : 'archive')}
            >
              {archived ? 'Restore from archive' : 'Archive'}
            </button>
          </li>
          <li>
            <button type="button" className="link-button wrap danger" onClick={() => setDeleting(true)}>
              Delete…
            </button>
          </li>
        </ul>
      )}
      <FormErrors messages={errors} />
      {deleting && (
        <ConfirmDialog
          title={`Delete “${tree.title}”?`}
          confirm="Delete the tree"
          danger
          busy={action.busy}
          onCancel={() => setDeleting(false)}
          onConfirm={() => action.run('delete')}
        >
          <p>
            It leaves the library for everyone. Sessions already run on it keep their history. To only hide it from
            technicians, archive it instead.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
