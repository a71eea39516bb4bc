import { useState } from 'react';
import { useNavigate } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Dialog } from '../../../ui/dialogs';
import { FormErrors } from '../../../ui/forms';
import { useCreateFromTemplate, useTemplates } from '../hooks';

/** "New from template": the starter trees; choosing one creates a draft and opens the editor on it. */
export function TemplatePicker() {
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const create = useCreateFromTemplate();
  const templates = useTemplates(open);
  const submit = useSingleFlight(async (id: string) => {
    const tree = await create.mutateAsync(id);
    void navigate(`/trees/${tree.id}/edit`);
  });
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)}>
        New from template
      </button>
      {open && (
        <Dialog title="New tree from a template" onClose={() => setOpen(false)}>
          <p className="muted">A complete tree to adapt: it opens as a draft in the editor.</p>
          <FormErrors messages={describeError(create.error ?? templates.error).general} />
          {templates.isPending && <p className="muted">Loading the templates…</p>}
          <ul className="template-list" aria-label="Templates">
            {templates.data?.map((t) => (
              <li key={t.id} className="template-item">
                <div>
                  <strong>{t.title}</strong>
                  <p className="muted">{t.description}</p>
                  <p className="muted">
                    {t.node_count} steps · {t.tags.join(', ')}
                  </p>
                </div>
                <button
                  type="button"
                  className="button small primary"
                  aria-label={`Use ${t.title}`}
                  aria-disabled={submit.busy || undefined}
                  onClick={() => submit.run(t.id)}
                >
                  Use
                </button>
              </li>
            ))}
          </ul>
          <div className="actions">
            <button type="button" className="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
