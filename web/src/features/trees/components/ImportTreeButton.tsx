import { useId, useRef } from 'react';
import { useNavigate } from 'react-router';

import { describeError, isApiError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { useImportTree } from '../hooks';

/** The import's errors, each naming the part of the file it is about. */
export function importErrors(error: unknown): string[] {
  if (!error) return [];
  if (!isApiError(error)) return describeError(error).general;
  return [
    'The file could not be imported: it is not a tree exported from TroubleTree, or it was changed.',
    ...error.errors.map((e) => {
      const where = (e.field ?? '').replace(/^body\.?/, '');
      return where ? `${where}: ${e.message}` : e.message;
    }),
  ];
}

/** "Import a tree file": a JSON file exported from TroubleTree becomes a new draft; the editor
 * opens on it. What went wrong goes to `onErrors` (shown under the page header). */
export function ImportTreeButton({ onErrors }: { onErrors: (messages: string[]) => void }) {
  const navigate = useNavigate();
  const importTree = useImportTree();
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const submit = useSingleFlight(async (file: File) => {
    onErrors([]);
    try {
      const tree = await importTree.mutateAsync(file);
      void navigate(`/trees/${tree.id}/edit`);
    } catch (error) {
      onErrors(importErrors(error));
      throw error;
    }
  });
  return (
    <div className="import-tree">
      <label htmlFor={id} className="button">
        {submit.busy ? 'Importing…' : 'Import a tree file'}
      </label>
      <input
        ref={input}
        id={id}
        type="file"
        accept="application/json,.json"
        className="visually-hidden"
        onChange={(e) => {
          const file = e.target.files?.[0];
          // The same file can be chosen again after fixing it.
          e.target.value = '';
          if (file) {
            importTree.reset();
            submit.run(file);
          }
        }}
      />
    </div>
  );
}
