// "Flag this step" in the runner: the technician says what is wrong with the step on screen
// (didn't help, unclear, wrong) with a comment; the authors see it pinned to the node.

import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors, Notice, SubmitOrCancel, TextAreaField } from '../../../ui/forms';
import { COMMENT_MAX, type FeedbackKind, KIND_LABEL, KINDS, useFlagStep } from '../hooks';

export function FlagStep({ sessionId, nodeId, versionId }: { sessionId: string; nodeId: string; versionId: string }) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<FeedbackKind | ''>('');
  const [comment, setComment] = useState('');
  const [sent, setSent] = useState<FeedbackKind | null>(null);
  const [missingKind, setMissingKind] = useState(false);
  const flag = useFlagStep(sessionId);
  const send = useSingleFlight(async () => {
    if (!kind) {
      setMissingKind(true);
      return;
    }
    await flag.mutateAsync({ node_id: nodeId, version_id: versionId, kind, comment: comment.trim() });
    setSent(kind);
    setOpen(false);
    setComment('');
    setKind('');
  });
  const errors = describeError(flag.error, ['kind', 'comment']);
  if (!open) {
    return (
      <div className="flag-step">
        {sent && (
          <Notice tone="success">
            Thanks: “{KIND_LABEL[sent]}” went to the authors of this tree. Your history tells you when it is resolved.
          </Notice>
        )}
        <button type="button" className="button small" onClick={() => setOpen(true)}>
          Flag this step
        </button>
      </div>
    );
  }
  return (
    <form
      className="flag-step card"
      aria-label="Flag this step"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        send.run();
      }}
    >
      <fieldset className="choices">
        <legend>What is wrong with this step?</legend>
        {KINDS.map((k) => (
          <label key={k} className="choice">
            <input
              type="radio"
              name="feedback-kind"
              value={k}
              checked={kind === k}
              onChange={() => {
                setKind(k);
                setMissingKind(false);
              }}
            />
            <span>{KIND_LABEL[k]}</span>
          </label>
        ))}
        {(missingKind || errors.fields.kind) && (
          <p className="field-error">{errors.fields.kind ?? 'Choose what is wrong with it.'}</p>
        )}
      </fieldset>
      <TextAreaField
        label="Comment"
        hint={`What happened, what would have helped (${comment.length} of ${COMMENT_MAX}).`}
        value={comment}
        maxLength={COMMENT_MAX}
        rows={3}
        error={errors.fields.comment}
        onChange={(e) => setComment(e.target.value)}
      />
      <FormErrors messages={errors.general} />
      <SubmitOrCancel
        busy={send.busy}
        busyLabel="Sending…"
        className="button primary small"
        onCancel={() => setOpen(false)}
      >
        Send feedback
      </SubmitOrCancel>
    </form>
  );
}
