import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, Notice, SelectField, SubmitButton, TextAreaField } from '../../../ui/forms';
import { saveFile } from '../download';
import { OUTCOMES } from '../labels';
import {
  useCompleteSession,
  useExportSession,
  useUpdateSession,
  type ExportFormat,
  type Outcome,
  type SessionRead,
} from '../hooks';
import { IntakeForm } from './IntakeForm';
import { fromFormValues, type VariableValues } from './VariableInput';

export function missingNames(session: SessionRead): Set<string> {
  const waiting = session.current?.waiting_for ?? [];
  return new Set([...session.missing_variables.at_start, ...session.missing_variables.before_complete, ...waiting]);
}

/** Intake values: every declared variable, the missing ones flagged. */
export function VariablesPanel({ session, readOnly }: { session: SessionRead; readOnly: boolean }) {
  const definitions = session.variable_definitions;
  const update = useUpdateSession(session.id);
  const [saved, setSaved] = useState(false);
  const save = useSingleFlight(async (form: VariableValues) => {
    setSaved(false);
    const variables = fromFormValues(definitions, form, session.variables);
    if (Object.keys(variables).length === 0) return;
    await update.mutateAsync({ variables });
    setSaved(true);
  });
  if (definitions.length === 0) return null;
  const missing = missingNames(session);
  return (
    <section className="card" aria-label="Intake values">
      <div className="card-header">
        <h2>Intake values</h2>
        {missing.size > 0 && <span className="badge warn">{missing.size} missing</span>}
      </div>
      <IntakeForm
        // Values changed on the server (saved here, or by a dispatcher): the form shows them.
        key={JSON.stringify(session.variables)}
        definitions={definitions}
        initial={session.variables}
        missing={missing}
        error={update.error}
        onSubmit={save.run}
        onEdit={() => setSaved(false)}
      >
        {!readOnly && <SaveActions busy={save.busy} saved={saved} label="Save values" done="Values saved." />}
      </IntakeForm>
    </section>
  );
}

export function NotesPanel({ session, readOnly }: { session: SessionRead; readOnly: boolean }) {
  const update = useUpdateSession(session.id);
  const [notes, setNotes] = useState(session.notes);
  const [saved, setSaved] = useState(false);
  const save = useSingleFlight(async () => {
    await update.mutateAsync({ notes });
    setSaved(true);
  });
  return (
    <section className="card" aria-label="Notes">
      <Form onSubmit={save.run}>
        <h2>Notes</h2>
        <div className="field">
          <label htmlFor="session-notes" className="visually-hidden">
            Session notes
          </label>
          <textarea
            id="session-notes"
            rows={3}
            value={notes}
            readOnly={readOnly}
            onChange={(e) => {
              setSaved(false);
              setNotes(e.target.value);
            }}
          />
        </div>
        <FormErrors messages={describeError(update.error).general} />
        {!readOnly && <SaveActions busy={save.busy} saved={saved} label="Save notes" done="Notes saved." />}
      </Form>
    </section>
  );
}

/** A panel's save button, and the notice once saved. */
function SaveActions({ busy, saved, label, done }: { busy: boolean; saved: boolean; label: string; done: string }) {
  return (
    <div className="actions">
      <SubmitButton className="button" busy={busy} busyLabel="Saving…">
        {label}
      </SubmitButton>
      {saved && <Notice tone="success">{done}</Notice>}
    </div>
  );
}

/** One of the tree's outcome labels for the session's end (optional; none when the tree has
 * none). At an end node, choosing none keeps that node's own label. */
export function OutcomeLabelSelect({
  labels,
  value,
  onChange,
  error,
  atEnd = false,
}: {
  labels: readonly string[];
  value: string;
  onChange: (label: string) => void;
  error?: string | undefined;
  atEnd?: boolean;
}) {
  if (labels.length === 0) return null;
  return (
    <SelectField
      label="Outcome label (optional)"
      hint={atEnd ? "This end's own label is used when none is chosen." : undefined}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
      options={labels.map((l) => ({ value: l, label: l }))}
    >
      <option value="">{atEnd ? "This end's label" : 'None'}</option>
    </SelectField>
  );
}

export function CompletePanel({ session }: { session: SessionRead }) {
  const complete = useCompleteSession(session.id);
  const kind = session.current?.kind;
  const [outcome, setOutcome] = useState<Outcome>(kind === 'escalation' ? 'escalated' : 'resolved');
  const [note, setNote] = useState('');
  const [label, setLabel] = useState('');
  const run = useSingleFlight(async () => {
    await complete.mutateAsync({
      outcome,
      resolution_note: note.trim() || undefined,
      outcome_label: label || undefined,
    });
  });
  const errors = describeError(complete.error, ['outcome', 'resolution_note', 'outcome_label']);
  return (
    <section className="card complete-panel" aria-label="Complete the session">
      <Form onSubmit={run.run}>
        <h2>Complete the session</h2>
        {!session.can_complete && <p className="field-error">Fill in the missing intake values before completing.</p>}
        <FormErrors messages={errors.general} />
        <SelectField
          label="Outcome"
          value={outcome}
          onChange={(e) => setOutcome(e.target.value as Outcome)}
          error={errors.fields.outcome}
          options={OUTCOMES}
        />
        <OutcomeLabelSelect
          labels={session.outcome_labels ?? []}
          value={label}
          onChange={setLabel}
          error={errors.fields.outcome_label}
          atEnd
        />
        <TextAreaField
          label="Resolution note (optional)"
          rows={2}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          error={errors.fields.resolution_note}
        />
        <SubmitButton className="button primary big" busy={run.busy} busyLabel="Completing…">
          Complete
        </SubmitButton>
      </Form>
    </section>
  );
}

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'pdf', label: 'PDF' },
  { format: 'markdown', label: 'Markdown' },
  { format: 'json', label: 'JSON' },
];

export function ExportButtons({ sessionId }: { sessionId: string }) {
  const exporter = useExportSession(sessionId);
  const run = useSingleFlight(async (format: ExportFormat) => {
    const { blob, filename } = await exporter.mutateAsync(format);
    saveFile(blob, filename);
  });
  return (
    <section className="card" aria-label="Export">
      <h2>Export the transcript</h2>
      <div className="actions">
        {FORMATS.map(({ format, label }) => (
          <button
            key={format}
            type="button"
            className="button"
            aria-disabled={run.busy || undefined}
            onClick={() => run.run(format)}
          >
            Download {label}
          </button>
        ))}
      </div>
      <FormErrors messages={describeError(exporter.error).general} />
    </section>
  );
}
