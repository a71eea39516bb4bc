import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';

import { isUuid } from '../../../app/paths';
import { ChangeAlertNotice } from '../../feedback/components/ChangeAlertNotice';
import { FlagStep } from '../../feedback/components/FlagStep';
import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { isNotFound, NOT_FOUND, NotFound } from '../../../ui/NotFound';
import { AttachmentsPanel, FileList, filesAt } from '../../attachments/components/Attachments';
import { useAttachments } from '../../attachments/hooks';
import { ContinueOffline } from '../../offline/components/ContinueOffline';
import { Loading, usePageTitle } from '../../../ui/page';
import { IntakeForm, StartButton } from '../components/IntakeForm';
import { NodeBody } from '../components/NodeBody';
import { EndSessionButton } from '../components/EndSession';
import { HandoffStatus } from '../components/HandoffStatus';
import { PathTrail } from '../components/PathTrail';
import { OptionButtons, useAnswerKeys } from '../components/Options';
import { CompletePanel, ExportButtons, NotesPanel, VariablesPanel } from '../components/RunnerPanels';
import { CurrentStepNote, StepNotesPanel } from '../components/StepNote';
import { fromFormValues, type VariableValues } from '../components/VariableInput';
import { useAnswer, useGoBack, useSession, useStartPrepared, type SessionRead } from '../hooks';
import { ABANDON_REASON_LABEL, OUTCOME_LABEL } from '../labels';
import { backTarget } from '../path';
import { plainText } from '../text';

export function SessionRunnerPage() {
  const { sessionId = '' } = useParams();
  // A malformed id names no session: no request for it.
  if (!isUuid(sessionId)) return <NotFound {...NOT_FOUND.session} />;
  return <SessionById sessionId={sessionId} />;
}

function SessionById({ sessionId }: { sessionId: string }) {
  const session = useSession(sessionId);
  usePageTitle(session.data?.tree_title ?? 'Session');
  if (session.isPending) return <Loading label="Opening the session…" />;
  if (session.isError) {
    if (isNotFound(session.error)) return <NotFound {...NOT_FOUND.session} />;
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

function RunningSession({ session }: { session: SessionRead }) {
  const current = session.current;
  const answer = useAnswer(session.id);
  const back = useGoBack(session.id);
  // The note on the step on screen goes with its answer; a new step starts with none.
  const [stepNote, setStepNote] = useState('');
  const noteRef = useRef(stepNote);
  useLayoutEffect(() => {
    noteRef.current = stepNote;
  });
  const answerFlight = useSingleFlight(async (optionId: string) => {
    await answer.mutateAsync({ optionId, note: noteRef.current.trim() || undefined });
    setStepNote('');
  });
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
  const backTo = backTarget(session.path);
  const goBack = backFlight.run;
  useAnswerKeys(
    options.length,
    (index) => {
      const option = options[index];
      if (option) answerFlight.run(option.id);
    },
    backTo === null ? null : () => goBack(backTo),
  );

  if (!current) return null;
  const errors = [...describeError(answer.error).general, ...describeError(back.error).general];
  return (
    <div className="runner">
      <p className="runner-tree muted">
        {session.tree_title} · v{session.version_number}
      </p>
      <ChangeAlertNotice treeId={session.tree_id} />
      <ContinueOffline session={session} />
      <PathTrail session={session} onBack={(i) => backFlight.run(i)} busy={busy} />
      <section className="node-card" aria-labelledby="node-title">
        <p className="node-kind">{current.kind}</p>
        <h1 id="node-title" className="node-title" tabIndex={-1} ref={heading}>
          {plainText(current.title)}
        </h1>
        <NodeBody body={current.body} />
        {current.waiting_for.length > 0 && (
          <p className="field-error" role="status">
            Waiting for: {current.waiting_for.join(', ')}. Fill them in under “Intake values”.
          </p>
        )}
        <FormErrors messages={errors} />
        <OptionButtons
          options={options}
          suggested={current.suggested_option_id}
          busy={busy}
          onChoose={(id) => answerFlight.run(id)}
        />
        <div className="actions runner-actions">
          {backTo !== null && (
            <button
              type="button"
              className="button"
              aria-disabled={busy || undefined}
              aria-keyshortcuts="Backspace"
              onClick={() => backFlight.run(backTo)}
            >
              ← Back
            </button>
          )}
          <EndSessionButton session={session} />
        </div>
        <CurrentStepNote key={nodeKey} value={stepNote} onChange={setStepNote} />
        <FlagStep
          key={`flag-${nodeKey}`}
          sessionId={session.id}
          nodeId={current.node_id}
          versionId={current.version_id}
        />
      </section>
      {current.is_terminal && <CompletePanel session={session} />}
      <AttachmentsPanel sessionId={session.id} canAdd />
      <VariablesPanel session={session} readOnly={false} />
      <NotesPanel session={session} readOnly={false} />
      <StepNotesPanel session={session} readOnly={false} />
      <ExportButtons sessionId={session.id} />
      <RunnerHelp />
    </div>
  );
}

/** The keyboard shortcuts, for keyboards: hidden on touch screens (CSS `.keyboard-only`). */
function RunnerHelp() {
  return (
    <details className="card runner-help keyboard-only">
      <summary>Keyboard shortcuts</summary>
      <dl className="facts">
        <div>
          <dt>
            <kbd>1</kbd>–<kbd>9</kbd>
          </dt>
          <dd>choose that answer</dd>
        </div>
        <div>
          <dt>
            <kbd>Backspace</kbd>
          </dt>
          <dd>back to the previous step you chose at</dd>
        </div>
      </dl>
    </details>
  );
}

function FinishedSession({ session }: { session: SessionRead }) {
  const files = useAttachments(session.id);
  return (
    <div className="runner">
      <p className="runner-tree muted">
        {session.tree_title} · v{session.version_number}
      </p>
      <h1>{session.status === 'completed' ? 'Session complete' : 'Session abandoned'}</h1>
      {session.outcome && (
        <p className={`outcome outcome-${session.outcome}`} role="status">
          Outcome: {OUTCOME_LABEL[session.outcome] ?? session.outcome}
          {session.outcome_label && <span className="outcome-label"> · {session.outcome_label}</span>}
        </p>
      )}
      {session.abandon_reason && (
        <p className="outcome" role="status">
          Reason: {ABANDON_REASON_LABEL[session.abandon_reason] ?? session.abandon_reason}
        </p>
      )}
      {session.abandon_note && <p className="pre-wrap">{session.abandon_note}</p>}
      {session.resolution_note && <p className="pre-wrap">{session.resolution_note}</p>}
      {session.handoff && <HandoffStatus handoff={session.handoff} />}
      <section className="card" aria-label="Path taken">
        <h2>Path taken</h2>
        <ol className="path-list">
          {session.path.map((step) => (
            <li key={`${step.index}-${step.node_id}`}>
              <strong>{plainText(step.title) || step.node_id}</strong>
              {step.answer_label && <span className="muted"> → {plainText(step.answer_label)}</span>}
              {step.note && <p className="pre-wrap step-note-text">Note: {step.note}</p>}
              <FileList files={filesAt(files.data, step.node_id)} label={`Files at ${plainText(step.title)}`} />
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
      <AttachmentsPanel sessionId={session.id} canAdd={false} />
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
