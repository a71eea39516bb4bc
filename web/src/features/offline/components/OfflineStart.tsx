import { useNavigate } from 'react-router';

import { useSingleFlight } from '../../../lib/guards/hooks';
import { IntakeForm } from '../../sessions/components/IntakeForm';
import { fromFormValues, type VariableValues } from '../../sessions/components/VariableInput';
import { startOffline } from '../actions';
import { useCachedTree } from '../hooks';
import { missingAtStart } from '../navigate';
import { Loading } from '../../../ui/page';

/** The start screen without a connection: a tree opened while online starts on the device. */
export function OfflineStart({ treeId }: { treeId: string }) {
  const tree = useCachedTree(treeId);
  const navigate = useNavigate();
  const start = useSingleFlight(async (form: VariableValues) => {
    if (!tree) return;
    const variables = fromFormValues(tree.graph.variables ?? [], form);
    if (missingAtStart(tree.graph, variables).length > 0) return;
    const session = await startOffline(tree, variables);
    void navigate(`/field/${session.id}`, { replace: true });
  });
  if (tree === undefined) return <Loading label="Opening the tree…" />;
  if (tree === null)
    return (
      <div className="runner">
        <h1>You are offline</h1>
        <p>This tree was not opened on this device while online, so it cannot be run without a connection.</p>
      </div>
    );
  const definitions = tree.graph.variables ?? [];
  return (
    <div className="runner start-screen">
      <p className="runner-tree muted">v{tree.version_number} · offline: synced when you are back online</p>
      <h1>{tree.title}</h1>
      {tree.description && <p className="start-description">{tree.description}</p>}
      <IntakeForm
        definitions={definitions}
        missing={new Set(definitions.filter((v) => v.required === 'at_start').map((v) => v.name))}
        flagUntilTyped
        error={null}
        onSubmit={(form) => start.run(form)}
      >
        <button type="submit" className="button primary" aria-disabled={start.busy || undefined}>
          Start offline
        </button>
      </IntakeForm>
    </div>
  );
}
