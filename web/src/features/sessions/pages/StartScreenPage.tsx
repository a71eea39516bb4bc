// A tree's start screen (`/trees/:treeId/start`): its title, description, the values it asks
// at start and its first question. Opening it creates nothing; the session is created by the
// first real action (an answer, or "Start the session" after the intake values), with that
// answer recorded at once, and the runner opens on what comes next.

import { useNavigate, useParams } from 'react-router';

import { useAppPath } from '../../../app/embed';
import { isUuid } from '../../../app/paths';
import { ChangeAlertNotice } from '../../feedback/components/ChangeAlertNotice';
import { describeError, isApiError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { isNotFound, NOT_FOUND, NotFound } from '../../../ui/NotFound';
import { Loading, usePageTitle } from '../../../ui/page';
import { OfflineStart } from '../../offline/components/OfflineStart';
import { useKeepTreeOffline, useOnline } from '../../offline/hooks';
import { IntakeForm, StartButton } from '../components/IntakeForm';
import { NodeBody } from '../components/NodeBody';
import { OptionButtons, useAnswerKeys } from '../components/Options';
import { fromFormValues, type VariableValues } from '../components/VariableInput';
import { type TreeStartScreen, useStartSession, useTreeStart } from '../hooks';
import { plainText } from '../text';

export function StartScreenPage() {
  const { treeId = '' } = useParams();
  if (!isUuid(treeId)) return <NotFound {...NOT_FOUND.tree} />;
  return <StartScreenById treeId={treeId} />;
}

function StartScreenById({ treeId }: { treeId: string }) {
  const screen = useTreeStart(treeId);
  const online = useOnline();
  // Opened online: its published version is kept on the device, to be run offline later.
  useKeepTreeOffline(treeId, online && screen.isSuccess);
  usePageTitle(screen.data?.title ?? 'Start a session');
  if (!online || (screen.isError && !isApiError(screen.error))) return <OfflineStart treeId={treeId} />;
  if (screen.isPending) return <Loading label="Opening the tree…" />;
  if (screen.isError) {
    if (isNotFound(screen.error)) return <NotFound {...NOT_FOUND.tree} />;
    return <FormErrors messages={describeError(screen.error).general} />;
  }
  return <StartScreen screen={screen.data} />;
}

function StartScreen({ screen }: { screen: TreeStartScreen }) {
  const navigate = useNavigate();
  const start = useStartSession();
  const appPath = useAppPath();
  const definitions = screen.variables;
  const first = screen.start;
  const options = first?.options ?? [];
  const run = useSingleFlight(async (form: VariableValues, optionId: string | null) => {
    const session = await start.mutateAsync({
      treeId: screen.tree_id,
      variables: fromFormValues(definitions, form),
      answer: optionId ? { option_id: optionId } : undefined,
    });
    // The start screen is done: Back from the runner goes where the technician came from.
    void navigate(appPath(`/sessions/${session.id}`), { replace: true });
  });
  // Number keys answer as in the runner: they press that answer's button (which submits the
  // intake values with it).
  useAnswerKeys(options.length, (index) => {
    document.querySelector<HTMLButtonElement>(`.start-screen [data-option-index="${index}"]`)?.click();
  });
  const needsValues = definitions.length > 0;
  return (
    <div className="runner start-screen">
      <p className="runner-tree muted">
        v{screen.version_number} · nothing is recorded until you answer
        {needsValues ? ' or start' : ''}
      </p>
      <h1>{screen.title}</h1>
      {screen.description && <p className="start-description">{screen.description}</p>}
      <ChangeAlertNotice treeId={screen.tree_id} />
      <IntakeForm
        definitions={definitions}
        missing={new Set(definitions.filter((v) => v.required === 'at_start').map((v) => v.name))}
        flagUntilTyped
        error={start.error}
        onSubmit={run.run}
      >
        {first ? (
          <section className="node-card" aria-label="First question">
            <p className="node-kind">{first.kind}</p>
            <h2 id="node-title" className="node-title">
              {plainText(first.title)}
            </h2>
            <NodeBody body={first.body} />
            <OptionButtons options={options} busy={run.busy} />
            {(needsValues || options.length === 0) && <StartButton busy={run.busy} secondary={options.length > 0} />}
          </section>
        ) : (
          <StartButton busy={run.busy} />
        )}
      </IntakeForm>
    </div>
  );
}
