// The editor's view of technicians' feedback: open feedback of the selected node, with replies,
// a reply box and "Resolve" (with a note the reporter is shown).

import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors, TextAreaField } from '../../../ui/forms';
import { type FeedbackRead, KIND_LABEL, useReply, useResolve } from '../hooks';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function NodeFeedback({ items }: { items: readonly FeedbackRead[] }) {
  if (items.length === 0) return null;
  return (
    <section className="node-feedback" aria-labelledby="node-feedback-title">
      <h3 id="node-feedback-title">
        Feedback from technicians <span className="badge">{items.length} open</span>
      </h3>
      <ul className="node-feedback-list">
        {items.map((f) => (
          <FeedbackItem key={f.id} feedback={f} />
        ))}
      </ul>
    </section>
  );
}

function FeedbackItem({ feedback: f }: { feedback: FeedbackRead }) {
  const [reply, setReply] = useState('');
  const [note, setNote] = useState('');
  const replying = useReply(f.id);
  const resolving = useResolve(f.id);
  const send = useSingleFlight(async () => {
    await replying.mutateAsync(reply.trim());
    setReply('');
  });
  const resolve = useSingleFlight(() => resolving.mutateAsync(note));
  const replyErrors = describeError(replying.error, ['body']);
  return (
    <li
      className={`feedback-item kind-${f.kind}`}
      aria-label={`${KIND_LABEL[f.kind]} from ${f.created_by_name ?? 'a former member'}`}
    >
      <p className="feedback-head">
        <span className={`badge feedback-kind-${f.kind}`}>{KIND_LABEL[f.kind]}</span>{' '}
        <span className="muted">
          {f.created_by_name ?? 'A former member'} · v{f.version_number} · {dateFormat.format(new Date(f.created_at))}
        </span>
      </p>
      {f.comment ? <p className="pre-wrap">{f.comment}</p> : <p className="muted">No comment.</p>}
      {f.replies.length > 0 && (
        <ol className="feedback-replies" aria-label="Replies">
          {f.replies.map((r) => (
            <li key={r.id}>
              <span className="muted">{r.author_name ?? 'A former member'}:</span>{' '}
              <span className="pre-wrap">{r.body}</span>
            </li>
          ))}
        </ol>
      )}
      <TextAreaField
        label="Reply"
        rows={2}
        maxLength={2000}
        value={reply}
        error={replyErrors.fields.body}
        onChange={(e) => setReply(e.target.value)}
      />
      <TextAreaField
        label="Resolution note (shown to the technician)"
        rows={2}
        maxLength={2000}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <FormErrors messages={[...replyErrors.general, ...describeError(resolving.error).general]} />
      <div className="actions">
        <button
          type="button"
          className="button small"
          aria-disabled={send.busy || !reply.trim() || undefined}
          onClick={() => reply.trim() && send.run()}
        >
          Reply
        </button>
        <button
          type="button"
          className="button primary small"
          aria-disabled={resolve.busy || undefined}
          onClick={() => resolve.run()}
        >
          Resolve
        </button>
      </div>
    </li>
  );
}
