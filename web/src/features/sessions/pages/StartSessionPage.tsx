import { useNavigate, useParams } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { IntakeForm, StartButton } from '../components/IntakeForm';
import { fromFormValues, type VariableValues } from '../components/VariableInput';
import { useStartSession, useTreeForStart } from '../hooks';

/** The intake form of a tree that asks values before it starts. */
export function StartSessionPage() {
  const { treeId = '' } = useParams();
  const tree = useTreeForStart(treeId);
  const navigate = useNavigate();
  const start = useStartSession();
  const definitions = tree.data?.published?.graph.variables ?? [];
  const run = useSingleFlight(async (form: VariableValues) => {
    const session = await start.mutateAsync({ treeId, variables: fromFormValues(definitions, form) });
    void navigate(`/sessions/${session.id}`, { replace: true });
  });
  usePageTitle(tree.data?.title ?? 'Start a session');
  if (tree.isPending) return <Loading />;
  if (tree.isError) return <FormErrors messages={describeError(tree.error).general} />;
  return (
    <div className="runner">
      <h1>{tree.data.title}</h1>
      <p className="muted">A few details before you start.</p>
      <IntakeForm
        className="card"
        definitions={definitions}
        missing={new Set(definitions.filter((v) => v.required === 'at_start').map((v) => v.name))}
        flagUntilTyped
        error={start.error}
        onSubmit={run.run}
      >
        <StartButton busy={run.busy} />
      </IntakeForm>
    </div>
  );
}
