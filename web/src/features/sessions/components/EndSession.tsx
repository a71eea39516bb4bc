// End a session at any step, in a dialog: abandon it with a reason (solved elsewhere, customer
// left, wrong tree, other + text), or end it as escalated or unresolved with a note and, if the
// tree has them, one of its outcome labels.

import { useId, useRef, useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, SubmitOrCancel, TextAreaField } from '../../../ui/forms';
import { type AbandonReason, type SessionRead, useAbandonSession, useCompleteSession } from '../hooks';
import { ABANDON_REASONS } from '../labels';
import { OutcomeLabelSelect } from './RunnerPanels';

type Ending = 'abandoned' | 'escalated' | 'unresolved';

const ENDINGS: { value: Ending; label: string; hint: string }[] = [
  { value: 'escalated', label: 'Escalated', hint: 'handed on to someone else' },
  { value: 'unresolved', label: 'Unresolved', hint: 'the problem remains' },
  { value: 'abandoned', label: 'Abandoned', hint: 'stopped, it does not count as an outcome' },
];

const NOTE_MAX = 500;

export function EndSessionButton({ session }: { session: SessionRead }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const show = () => {
    setOpen(true);
    dialog.current?.showModal();
  };
  const close = () => {
    dialog.current?.close();
    setOpen(false);
  };
  return (
    <>
      <button type="button" className="button" aria-haspopup="dialog" onClick={show}>
        End session…
      </button>
      <dialog ref={dialog} className="dialog" aria-labelledby="end-session-title" onClose={() => setOpen(false)}>
        {open && <EndSessionForm session={session} onCancel={close} />}
      </dialog>
    </>
  );
}

function EndSessionForm({ session, onCancel }: { session: SessionRead; onCancel: () => void }) {
  const id = useId();
  const abandon = useAbandonSession(session.id);
  const complete = useCompleteSession(session.id);
  const [ending, setEnding] = useState<Ending>('escalated');
  const [reason, setReason] = useState<AbandonReason>('solved_elsewhere');
  const [note, setNote] = useState('');
  const [label, setLabel] = useState('');
  const [tried, setTried] = useState(false);
  const atEnd = session.current?.is_terminal ?? false;
  const noteNeeded = ending === 'abandoned' ? reason === 'other' : !atEnd;
  const missingNote = noteNeeded && !note.trim();
  const run = useSingleFlight(async () => {
    setTried(true);
    if (missingNote) return;
    const text = note.trim() || undefined;
    if (ending === 'abandoned') await abandon.mutateAsync({ reason, note: text });
    else await complete.mutateAsync({ outcome: ending, resolution_note: text, outcome_label: label || undefined });
  });
  const errors = describeError(ending === 'abandoned' ? abandon.error : complete.error, [
    'note',
    'resolution_note',
    'outcome_label',
    'reason',
  ]);
  const noteError =
    (tried && missingNote
      ? ending === 'abandoned'
        ? 'Say why the session stops.'
        : 'Add a note: what was done, and who has it now.'
      : undefined) ??
    errors.fields.note ??
    errors.fields.resolution_note;
  return (
    <Form className="end-session" onSubmit={run.run}>
      <h2 id="end-session-title">End the session</h2>
      <FormErrors messages={errors.general} />
      <fieldset className="choices">
        <legend>How does it end?</legend>
        {ENDINGS.map((e) => (
          <label key={e.value} className="choice">
            <input
              type="radio"
              name={`${id}-ending`}
              value={e.value}
              checked={ending === e.value}
              onChange={() => setEnding(e.value)}
            />
            <span>
              {e.label} <span className="muted">({e.hint})</span>
            </span>
          </label>
        ))}
      </fieldset>
      {ending === 'abandoned' ? (
        <fieldset className="choices">
          <legend>Reason</legend>
          {ABANDON_REASONS.map((r) => (
            <label key={r.value} className="choice">
              <input
                type="radio"
                name={`${id}-reason`}
                value={r.value}
                checked={reason === r.value}
                onChange={() => setReason(r.value)}
              />
              <span>{r.label}</span>
            </label>
          ))}
          {errors.fields.reason && <p className="field-error">{errors.fields.reason}</p>}
        </fieldset>
      ) : (
        <OutcomeLabelSelect
          labels={session.outcome_labels ?? []}
          value={label}
          onChange={setLabel}
          error={errors.fields.outcome_label}
        />
      )}
      <TextAreaField
        label={noteNeeded ? 'Note' : 'Note (optional)'}
        rows={3}
        maxLength={ending === 'abandoned' ? NOTE_MAX : undefined}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        error={noteError}
      />
      <SubmitOrCancel busy={run.busy} busyLabel="Ending…" onCancel={onCancel}>
        {ending === 'abandoned' ? 'Abandon the session' : `End as ${ending}`}
      </SubmitOrCancel>
    </Form>
  );
}
