// A technician's feedback that an author resolved, shown until they acknowledge it.

import { describeError } from '../../../lib/api/errors';
import { FormErrors } from '../../../ui/forms';
import { type FeedbackRead, KIND_LABEL, useAcknowledge, useFeedbackNotices } from '../hooks';

export function FeedbackNotices() {
  const notices = useFeedbackNotices();
  const acknowledge = useAcknowledge();
  const items = notices.data ?? [];
  if (items.length === 0) return null;
  return (
    <section className="card feedback-notices" aria-labelledby="feedback-notices-title">
      <h2 id="feedback-notices-title">Your feedback was resolved</h2>
      <FormErrors messages={describeError(acknowledge.error).general} />
      <ul className="feedback-notice-list">
        {items.map((f) => (
          <Notice key={f.id} feedback={f} onSeen={() => acknowledge.mutate(f.id)} busy={acknowledge.isPending} />
        ))}
      </ul>
    </section>
  );
}

function Notice({ feedback: f, onSeen, busy }: { feedback: FeedbackRead; onSeen: () => void; busy: boolean }) {
  return (
    <li className="feedback-notice">
      <p>
        <strong>{f.tree_title}</strong> · “{f.node_title}” · {KIND_LABEL[f.kind]}
        {f.comment && <span className="muted"> — {f.comment}</span>}
      </p>
      <p>
        Resolved{f.resolved_by_name ? ` by ${f.resolved_by_name}` : ''}
        {f.resolution_note ? `: ${f.resolution_note}` : '.'}
      </p>
      <button type="button" className="button small" aria-disabled={busy || undefined} onClick={onSeen}>
        Got it
      </button>
    </li>
  );
}
