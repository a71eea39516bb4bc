import { useId, useRef } from 'react';
import { useNavigate } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { useImportTree } from '../hooks';

/** "Import a tree file": a JSON file exported from TroubleTree becomes a new draft; the editor opens on it. */
export function ImportTreeButton() {
  const navigate = useNavigate();
  const importTree = useImportTree();
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const submit = useSingleFlight(async (file: File) => {
    const tree = await importTree.mutateAsync(file);
    void navigate(`/trees/${tree.id}/edit`);
  });
  const errors = describeError(importTree.error).general;
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
      {errors.length > 0 && <FormErrors messages={[`The file could not be imported:`, ...errors]} />}
    </div>
  );
}
