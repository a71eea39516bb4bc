// Where an escalated session's transcript went: the mail to the account's escalation address,
// queued, sent, or failed after every retry.

import type { HandoffRead } from '../../../client';

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function HandoffStatus({ handoff }: { handoff: HandoffRead }) {
  const to = <strong>{handoff.to_address}</strong>;
  return (
    <section className={`card handoff handoff-${handoff.status}`} aria-label="Escalation hand-off" aria-live="polite">
      <h2>Escalation hand-off</h2>
      {handoff.status === 'sent' && (
        <p>
          The transcript (PDF) was mailed to {to}
          {handoff.sent_at ? ` on ${timeFormat.format(new Date(handoff.sent_at))}` : ''}.
        </p>
      )}
      {handoff.status === 'pending' && (
        <p>
          The transcript (PDF) is on its way to {to}
          {handoff.attempts > 0
            ? `: ${handoff.attempts} attempt${handoff.attempts === 1 ? '' : 's'} failed so far, retrying.`
            : '.'}
        </p>
      )}
      {handoff.status === 'failed' && (
        <p>
          The transcript could not be mailed to {to} after {handoff.attempts} attempts. Export it below and send it
          yourself.
        </p>
      )}
      {handoff.status !== 'sent' && handoff.last_error && <p className="muted">Last error: {handoff.last_error}</p>}
    </section>
  );
}
