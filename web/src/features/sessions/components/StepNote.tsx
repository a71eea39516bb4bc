// Step notes ("Customer had already restarted it"). A note belongs to an answered step: the one
// for the step on screen is written here and goes with the answer; every answered step's note
// is listed under "Step notes" and can be added or changed there. Notes go into every export.

import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, Notice, SubmitOrCancel } from '../../../ui/forms';
import { type SessionRead, useNoteStep } from '../hooks';
import { isAutomatic } from '../path';
import { plainText } from '../text';

const NOTE_MAX = 5000;

/** The note for the step on screen, kept by the runner and sent with the answer. */
export function CurrentStepNote({ value, onChange }: { value: string; onChange: (note: string) => void }) {
  const [open, setOpen] = useState(value !== '');
  if (!open) {
    return (
      <div className="step-note">
        <button type="button" className="button small" onClick={() => setOpen(true)}>
          Add a note to this step
        </button>
      </div>
    );
  }
  return (
    <div className="step-note field">
      <label htmlFor="current-step-note">Note on this step</label>
      <textarea
        id="current-step-note"
        rows={2}
        maxLength={NOTE_MAX}
        // biome-ignore lint/a11y/noAutofocus: opened on purpose to type the note
        autoFocus={value === ''}
        value={value}
        aria-describedby="current-step-note-hint"
        onChange={(e) => onChange(e.target.value)}
      />
      <p className="field-hint" id="current-step-note-hint">
        Saved with your answer.
      </p>
    </div>
  );
}

type Step = SessionRead['path'][number];

/** Every answered step, its answer and its note, each note editable. */
export function StepNotesPanel({ session, readOnly }: { session: SessionRead; readOnly: boolean }) {
  // Steps a person answered (automatic ones take no note).
  const answered = session.path.filter((s) => s.step_seq !== null && s.answer_label !== null && !isAutomatic(s));
  if (answered.length === 0) return null;
  const withNotes = answered.filter((s) => s.note).length;
  return (
    <section className="card" aria-label="Step notes">
      <div className="card-header">
        <h2>Step notes</h2>
        <span className="muted">
          {withNotes} of {answered.length} steps
        </span>
      </div>
      <ol className="step-notes">
        {answered.map((step) => (
          <StepNoteRow key={`${step.step_seq}:${step.note ?? ''}`} session={session} step={step} readOnly={readOnly} />
        ))}
      </ol>
    </section>
  );
}

function StepNoteRow({ session, step, readOnly }: { session: SessionRead; step: Step; readOnly: boolean }) {
  const noteStep = useNoteStep(session.id);
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(step.note ?? '');
  const [done, setDone] = useState(false);
  const seq = step.step_seq ?? 0;
  const title = plainText(step.title) || step.node_id;
  const save = useSingleFlight(async () => {
    await noteStep.mutateAsync({ seq, note: text.trim() });
    setEditing(false);
    setDone(true);
  });
  const id = `step-note-${seq}`;
  return (
    <li>
      <p className="step-notes-step">
        <strong>{title}</strong>
        {step.answer_label && <span className="muted"> → {plainText(step.answer_label)}</span>}
      </p>
      {editing ? (
        <Form className="step-note" onSubmit={save.run}>
          <div className="field">
            <label htmlFor={id}>Note on “{title}”</label>
            <textarea
              id={id}
              rows={2}
              maxLength={NOTE_MAX}
              // biome-ignore lint/a11y/noAutofocus: opened on purpose to type the note
              autoFocus
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </div>
          <FormErrors messages={describeError(noteStep.error).general} />
          <SubmitOrCancel
            className="button small primary"
            busy={save.busy}
            busyLabel="Saving…"
            onCancel={() => setEditing(false)}
          >
            Save note
          </SubmitOrCancel>
        </Form>
      ) : (
        <>
          {step.note && <p className="pre-wrap step-note-text">{step.note}</p>}
          {done && <Notice tone="success">Note saved.</Notice>}
          {!readOnly && (
            <button
              type="button"
              className="button small"
              aria-label={`${step.note ? 'Edit the note on' : 'Add a note to'} ${title}`}
              onClick={() => {
                setDone(false);
                setText(step.note ?? '');
                setEditing(true);
              }}
            >
              {step.note ? 'Edit note' : 'Add note'}
            </button>
          )}
        </>
      )}
    </li>
  );
}
