import { useState } from 'react';
import { useNavigate, useParams } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { fromFormValues, VariableInput } from '../components/VariableInput';
import { useStartSession, useTreeForStart } from '../hooks';

/** The intake form of a tree that asks values before it starts. */
export function StartSessionPage() {
  const { treeId = '' } = useParams();
  const tree = useTreeForStart(treeId);
  const navigate = useNavigate();
  const start = useStartSession();
  const [form, setForm] = useState<Record<string, string>>({});
  const definitions = tree.data?.published?.graph.variables ?? [];
  const run = useSingleFlight(async () => {
    const session = await start.mutateAsync({ treeId, variables: fromFormValues(definitions, form) });
    void navigate(`/sessions/${session.id}`, { replace: true });
  });
  usePageTitle(tree.data?.title ?? 'Start a session');
  if (tree.isPending) return <Loading />;
  if (tree.isError) return <FormErrors messages={describeError(tree.error).general} />;
  const errors = describeError(
    start.error,
    definitions.map((v) => `variables.${v.name}`),
  );
  return (
    <div className="runner">
      <h1>{tree.data.title}</h1>
      <p className="muted">A few details before you start.</p>
      <form
        className="card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          run.run();
        }}
      >
        <FormErrors messages={errors.general} />
        {definitions.map((v) => (
          <VariableInput
            key={v.name}
            variable={v}
            value={form[v.name] ?? ''}
            missing={v.required === 'at_start' && !(form[v.name] ?? '').trim()}
            error={errors.fields[`variables.${v.name}`]}
            onChange={(value) => setForm((f) => ({ ...f, [v.name]: value }))}
          />
        ))}
        <button type="submit" className="button primary big" aria-disabled={run.busy || undefined}>
          {run.busy ? 'Starting…' : 'Start the session'}
        </button>
      </form>
    </div>
  );
}
