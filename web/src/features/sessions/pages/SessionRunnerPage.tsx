import { lazy, Suspense, useEffect, useLayoutEffect, useRef } from 'react';
import { Link, useParams } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { IntakeForm, StartButton } from '../components/IntakeForm';
import { CompletePanel, ExportButtons, NotesPanel, VariablesPanel } from '../components/RunnerPanels';
import { fromFormValues, type VariableValues } from '../components/VariableInput';
import { useAnswer, useGoBack, useSession, useStartPrepared, type SessionRead } from '../hooks';
import { OUTCOME_LABEL } from '../labels';
import { optionIndexForKey } from '../shortcuts';
import { plainText } from '../text';

// Markdown rendering is its own chunk: the library and quick start load without it.
const Markdown = lazy(() => import('../components/Markdown').then((m) => ({ default: m.Markdown })));

export function SessionRunnerPage() {
  const { sessionId = '' } = useParams();
  const session = useSession(sessionId);
  usePageTitle(session.data?.tree_title ?? 'Session');
  if (session.isPending) return <Loading label="Opening the session…" />;
  if (session.isError) {
    return (
      <>
        <h1>Session</h1>
        <FormErrors messages={describeError(session.error).general} />
        <Link to="/sessions">Back to the history</Link>
      </>
    );
  }
  const s = session.data;
  if (s.status === 'prepared') return <PreparedSession session={s} />;
  if (s.status === 'in_progress' && s.current) return <RunningSession session={s} />;
  return <FinishedSession session={s} />;
}

function PathTrail({
  session,
  onBack,
  busy,
}: {
  session: SessionRead;
  onBack?: (index: number) => void;
  busy?: boolean;
}) {
  const steps = session.path;
  if (steps.length === 0) return null;
  const last = steps.length - 1;
  return (
    <nav aria-label="Path" className="path-trail">
      <ol>
        {steps.map((step) => (
          <li key={`${step.index}-${step.node_id}`}>
            {step.index === last && session.current ? (
              <span aria-current="step">{plainText(step.title) || step.node_id}</span>
            ) : onBack ? (
              <button
                type="button"
                className="crumb"
                aria-disabled={busy || undefined}
                title={step.answer_label ? `Answered: ${plainText(step.answer_label)}` : undefined}
                onClick={() => onBack(step.index)}
              >
                {plainText(step.title) || step.node_id}
              </button>
            ) : (
              <span>
                {plainText(step.title) || step.node_id}
                {step.answer_label && <span className="muted"> → {plainText(step.answer_label)}</span>}
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function RunningSession({ session }: { session: SessionRead }) {
  const current = session.current;
  const answer = useAnswer(session.id);
  const back = useGoBack(session.id);
  const answerFlight = useSingleFlight((optionId: string) => answer.mutateAsync(optionId));
  const backFlight = useSingleFlight((index: number) => back.mutateAsync(index));
  const heading = useRef<HTMLHeadingElement>(null);
  const nodeKey = current ? `${current.version_id}:${current.node_id}:${session.path.length}` : '';
  const firstNode = useRef(nodeKey);

  // A new node: focus its title (keyboard and screen reader users continue from there).
  useEffect(() => {
    if (firstNode.current === nodeKey) return;
    firstNode.current = nodeKey;
    heading.current?.focus();
  }, [nodeKey]);

  const options = current?.options ?? [];
  const busy = answerFlight.busy || backFlight.busy;
  // Number keys answer: the listener always sees the options on screen now.
  const optionsRef = useRef(options);
  useLayoutEffect(() => {
    optionsRef.current = options;
  });
  const run = answerFlight.run;
  // Attached before the node is painted (a layout effect): a key pressed as soon as the node
  // shows is never lost to a listener that is not there yet.
  useLayoutEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const shown = optionsRef.current;
      const index = optionIndexForKey(event, shown.length);
      const option = index === null ? undefined : shown[index];
      if (!option) return;
      event.preventDefault();
      run(option.id);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [run]);

  if (!current) return null;
  const canGoBack = session.path.length > 1;
  const errors = [...describeError(answer.error).general, ...describeError(back.error).general];
  return (
    <div className="runner">
      <p className="runner-tree muted">
        {session.tree_title} · v{session.version_number}
      </p>
      <PathTrail session={session} onBack={(i) => backFlight.run(i)} busy={busy} />
      <section className="node-card" aria-labelledby="node-title">
        <p className="node-kind">{current.kind}</p>
        <h1 id="node-title" className="node-title" tabIndex={-1} ref={heading}>
          {plainText(current.title)}
        </h1>
        {current.body && (
          <Suspense fallback={<p className="markdown pre-wrap">{current.body}</p>}>
            <Markdown>{current.body}</Markdown>
          </Suspense>
        )}
        {current.waiting_for.length > 0 && (
          <p className="field-error" role="status">
            Waiting for: {current.waiting_for.join(', ')}. Fill them in under “Intake values”.
          </p>
        )}
        <FormErrors messages={errors} />
        {options.length > 0 && (
          <ol className="options" aria-label="Answers">
            {options.map((option, i) => (
              <li key={option.id}>
                <button
                  type="button"
                  className={option.id === current.suggested_option_id ? 'option-button suggested' : 'option-button'}
                  aria-disabled={busy || undefined}
                  aria-keyshortcuts={i < 9 ? String(i + 1) : undefined}
                  aria-label={plainText(option.label)}
                  onClick={() => answerFlight.run(option.id)}
                >
                  {i < 9 && <kbd>{i + 1}</kbd>}
                  <span>{plainText(option.label)}</span>
                  {option.id === current.suggested_option_id && <span className="badge">previous answer</span>}
                </button>
              </li>
            ))}
          </ol>
        )}
        {canGoBack && (
          <div className="actions">
            <button
              type="button"
              className="button"
              aria-disabled={busy || undefined}
              onClick={() => backFlight.run(session.path.length - 2)}
            >
              ← Back
            </button>
          </div>
        )}
      </section>
      {current.is_terminal && <CompletePanel session={session} />}
      <VariablesPanel session={session} readOnly={false} />
      <NotesPanel session={session} readOnly={false} />
      <ExportButtons sessionId={session.id} />
    </div>
  );
}

function FinishedSession({ session }: { session: SessionRead }) {
  return (
    <div className="runner">
      <p className="runner-tree muted">
        {session.tree_title} · v{session.version_number}
      </p>
      <h1>{session.status === 'completed' ? 'Session complete' : 'Session abandoned'}</h1>
      {session.outcome && (
        <p className={`outcome outcome-${session.outcome}`} role="status">
          Outcome: {OUTCOME_LABEL[session.outcome] ?? session.outcome}
        </p>
      )}
      {session.resolution_note && <p>{session.resolution_note}</p>}
      <section className="card" aria-label="Path taken">
        <h2>Path taken</h2>
        <ol className="path-list">
          {session.path.map((step) => (
            <li key={`${step.index}-${step.node_id}`}>
              <strong>{plainText(step.title) || step.node_id}</strong>
              {step.answer_label && <span className="muted"> → {plainText(step.answer_label)}</span>}
            </li>
          ))}
        </ol>
      </section>
      {session.notes && (
        <section className="card" aria-label="Notes">
          <h2>Notes</h2>
          <p className="pre-wrap">{session.notes}</p>
        </section>
      )}
      <ExportButtons sessionId={session.id} />
      <div className="actions">
        <Link className="button" to="/start">
          Start another
        </Link>
        <Link className="button" to="/sessions">
          Session history
        </Link>
      </div>
    </div>
  );
}

/** A session a dispatcher prepared: fill in what is needed to start, then start. */
function PreparedSession({ session }: { session: SessionRead }) {
  const start = useStartPrepared(session.id);
  const definitions = session.variable_definitions;
  const run = useSingleFlight((form: VariableValues) =>
    start.mutateAsync(fromFormValues(definitions, form, session.variables)),
  );
  return (
    <div className="runner">
      <h1>{session.tree_title}</h1>
      <p className="muted">Prepared for {session.technician.full_name}. Check the values and start.</p>
      <IntakeForm
        className="card"
        definitions={definitions}
        initial={session.variables}
        missing={new Set(session.missing_variables.at_start)}
        flagUntilTyped
        error={start.error}
        onSubmit={run.run}
      >
        <StartButton busy={run.busy} />
      </IntakeForm>
      {session.notes && (
        <section className="card" aria-label="Notes">
          <h2>Notes from the dispatcher</h2>
          <p className="pre-wrap">{session.notes}</p>
        </section>
      )}
    </div>
  );
}
