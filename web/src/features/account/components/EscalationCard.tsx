// The account's escalation address: every session completed as escalated is mailed there with
// its PDF transcript. Admins change it; everyone else reads it.

import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Field, FormErrors, Notice, SubmitButton } from '../../../ui/forms';
import { Section } from '../../../ui/page';
import { useAccount, useUpdateAccount } from '../hooks';

export function EscalationCard({ canManage }: { canManage: boolean }) {
  const account = useAccount();
  const saved = account.data?.escalation_email ?? null;
  return (
    <Section title="Escalation hand-off">
      <p className="muted">
        Sessions completed as escalated are mailed with their transcript (PDF) to this address, for example your tier-2
        desk.
      </p>
      {account.data &&
        (canManage ? (
          <EscalationForm saved={saved} />
        ) : (
          <p>{saved ? <strong>{saved}</strong> : 'No address is set: escalations are not mailed.'}</p>
        ))}
    </Section>
  );
}

function EscalationForm({ saved }: { saved: string | null }) {
  const [address, setAddress] = useState(saved ?? '');
  const [done, setDone] = useState<string | null>(null);
  const update = useUpdateAccount();
  const save = useSingleFlight(async () => {
    const next = address.trim() || null;
    await update.mutateAsync({ escalation_email: next });
    setDone(next ? `Escalations are mailed to ${next}.` : 'Escalations are no longer mailed.');
  });
  const errors = describeError(update.error, ['escalation_email']);
  return (
    <form
      className="setting-form"
      aria-label="Set the escalation address"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        setDone(null);
        save.run();
      }}
    >
      <Field
        label="Escalation address"
        type="email"
        autoComplete="off"
        maxLength={320}
        value={address}
        placeholder="tier2@example.com"
        hint="Leave empty to stop the mails."
        error={errors.fields.escalation_email}
        onChange={(e) => setAddress(e.target.value)}
      />
      <FormErrors messages={errors.general} />
      <SubmitButton busy={save.busy} busyLabel="Saving…" className="button primary small">
        Save address
      </SubmitButton>
      {done && <Notice tone="success">{done}</Notice>}
    </form>
  );
}
