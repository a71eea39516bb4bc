import { useEffect, useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors, Notice, SelectField } from '../../../ui/forms';
import { saveFile } from '../download';
import {
  useCompleteSession,
  useExportSession,
  useUpdateSession,
  type ExportFormat,
  type Outcome,
  type SessionRead,
} from '../hooks';
import { fromFormValues, toFormValues, VariableInput } from './VariableInput';

export function missingNames(session: SessionRead): Set<string> {
  const waiting = session.current?.waiting_for ?? [];
  return new Set([...session.missing_variables.at_start, ...session.missing_variables.before_complete, ...waiting]);
}

/** Intake values: every declared variable, the missing ones flagged. */
export function VariablesPanel({ session, readOnly }: { session: SessionRead; readOnly: boolean }) {
  const definitions = session.variable_definitions;
  const update = useUpdateSession(session.id);
  const [form, setForm] = useState(() => toFormValues(definitions, session.variables));
  const [saved, setSaved] = useState(false);
  // Values changed on the server (saved here, or by a dispatcher): show them.
  const serverValues = JSON.stringify(session.variables);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the server's values change
  useEffect(() => {
    setForm(toFormValues(definitions, JSON.parse(serverValues) as Record<string, unknown>));
  }, [serverValues]);
  const save = useSingleFlight(async () => {
    setSaved(false);
    const variables = fromFormValues(definitions, form, session.variables);
    if (Object.keys(variables).length === 0) return;
    await update.mutateAsync({ variables });
    setSaved(true);
  });
  if (definitions.length === 0) return null;
  const missing = missingNames(session);
  const errors = describeError(
    update.error,
    definitions.map((v) => `variables.${v.name}`),
  );
  return (
    <section className="card" aria-label="Intake values">
      <div className="card-header">
        <h2>Intake values</h2>
        {missing.size > 0 && <span className="badge warn">{missing.size} missing</span>}
      </div>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save.run();
        }}
      >
        <FormErrors messages={errors.general} />
        {definitions.map((v) => (
          <VariableInput
            key={v.name}
            variable={v}
            value={form[v.name] ?? ''}
            missing={missing.has(v.name)}
            error={errors.fields[`variables.${v.name}`]}
            onChange={(value) => {
              setSaved(false);
              setForm((f) => ({ ...f, [v.name]: value }));
            }}
          />
        ))}
        {!readOnly && (
          <div className="actions">
            <button type="submit" className="button" aria-disabled={save.busy || undefined}>
              {save.busy ? 'Saving…' : 'Save values'}
            </button>
            {saved && <Notice tone="success">Values saved.</Notice>}
          </div>
        )}
      </form>
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
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save.run();
        }}
      >
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
        {!readOnly && (
          <div className="actions">
            <button type="submit" className="button" aria-disabled={save.busy || undefined}>
              {save.busy ? 'Saving…' : 'Save notes'}
            </button>
            {saved && <Notice tone="success">Notes saved.</Notice>}
          </div>
        )}
      </form>
    </section>
  );
}

const OUTCOMES: { value: Outcome; label: string }[] = [
  { value: 'resolved', label: 'Resolved' },
  { value: 'escalated', label: 'Escalated' },
  { value: 'unresolved', label: 'Unresolved' },
];

export function CompletePanel({ session }: { session: SessionRead }) {
  const complete = useCompleteSession(session.id);
  const kind = session.current?.kind;
  const [outcome, setOutcome] = useState<Outcome>(kind === 'escalation' ? 'escalated' : 'resolved');
  const [note, setNote] = useState('');
  const run = useSingleFlight(async () => {
    await complete.mutateAsync({ outcome, resolution_note: note.trim() || undefined });
  });
  const errors = describeError(complete.error, ['outcome', 'resolution_note']);
  return (
    <section className="card complete-panel" aria-label="Complete the session">
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          run.run();
        }}
      >
        <h2>Complete the session</h2>
        {!session.can_complete && (
          <p className="field-error">Fill in the missing intake values before completing.</p>
        )}
        <FormErrors messages={errors.general} />
        <SelectField
          label="Outcome"
          value={outcome}
          onChange={(e) => setOutcome(e.target.value as Outcome)}
          error={errors.fields.outcome}
        >
          {OUTCOMES.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </SelectField>
        <div className="field">
          <label htmlFor="resolution-note">Resolution note (optional)</label>
          <textarea id="resolution-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <button type="submit" className="button primary big" aria-disabled={run.busy || undefined}>
          {run.busy ? 'Completing…' : 'Complete'}
        </button>
      </form>
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
