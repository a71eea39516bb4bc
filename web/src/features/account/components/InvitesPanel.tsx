import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { CopyButton } from '../../../ui/CopyButton';
import { Field, Form, FormErrors, SelectField, SubmitButton } from '../../../ui/forms';
import { Loading, Section } from '../../../ui/page';
import {
  ROLES,
  useCreateInvite,
  useInvites,
  useRevokeInvite,
  type AccountInviteCreated,
  type AccountInviteRead,
  type Role,
} from '../hooks';

const EXPIRY_CHOICES = [
  { label: '1 day', hours: 24 },
  { label: '7 days', hours: 168 },
  { label: '30 days', hours: 720 },
  { label: 'Never', hours: null },
] as const;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function inviteStatus(invite: AccountInviteRead): string {
  if (invite.revoked_at) return 'revoked';
  if (invite.is_usable) return 'active';
  if (invite.use_count >= invite.max_uses) return 'used up';
  return 'expired';
}

function CreatedInvite({ invite }: { invite: AccountInviteCreated }) {
  return (
    <div className="created-invite" role="status">
      <p>
        <strong>Invite created.</strong> The code is shown only now: copy it or the link and send it to your colleague.
      </p>
      <div className="copy-row">
        <span className="label">Code</span>
        <code data-testid="invite-code">{invite.code}</code>
        <CopyButton text={invite.code} label="Copy code" />
      </div>
      <div className="copy-row">
        <span className="label">Link</span>
        <code data-testid="invite-link">{invite.link}</code>
        <CopyButton text={invite.link} label="Copy link" />
      </div>
    </div>
  );
}

function CreateInviteForm() {
  const create = useCreateInvite();
  const [role, setRole] = useState<Role>('technician');
  const [maxUses, setMaxUses] = useState('1');
  const [expiry, setExpiry] = useState('168');
  const submit = useSingleFlight(() =>
    create.mutateAsync({
      role,
      max_uses: Number(maxUses),
      expires_in_hours: expiry === 'never' ? null : Number(expiry),
    }),
  );
  const errors = describeError(create.error, ['role', 'max_uses', 'expires_in_hours']);

  return (
    <>
      <Form className="inline-form" onSubmit={submit.run}>
        <FormErrors messages={errors.general} />
        <SelectField
          label="Role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          error={errors.fields.role}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <Field
          label="Uses"
          type="number"
          inputMode="numeric"
          min={1}
          max={1000}
          value={maxUses}
          onChange={(e) => setMaxUses(e.target.value)}
          error={errors.fields.max_uses}
        />
        <SelectField
          label="Expires after"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
          error={errors.fields.expires_in_hours}
        >
          {EXPIRY_CHOICES.map((choice) => (
            <option key={choice.label} value={choice.hours ?? 'never'}>
              {choice.label}
            </option>
          ))}
        </SelectField>
        <SubmitButton busy={submit.busy} busyLabel="Creating…">
          Create invite
        </SubmitButton>
      </Form>
      {create.data && <CreatedInvite invite={create.data} />}
    </>
  );
}

function InviteRow({ invite }: { invite: AccountInviteRead }) {
  const revoke = useRevokeInvite();
  const run = useSingleFlight(() => revoke.mutateAsync(invite.id));
  const status = inviteStatus(invite);
  return (
    <li className="invite">
      <div>
        <strong>{invite.role}</strong> <code>{invite.code_hint}…</code>{' '}
        <span className={`badge ${status === 'active' ? 'ok' : ''}`}>{status}</span>
        <div className="muted">
          used {invite.use_count} of {invite.max_uses}
          {invite.expires_at && ` · expires ${dateFormat.format(new Date(invite.expires_at))}`}
        </div>
      </div>
      {invite.is_usable && (
        <button
          type="button"
          className="button small"
          aria-label={`Revoke ${invite.role} invite ${invite.code_hint}…`}
          onClick={() => run.run()}
        >
          {run.busy ? 'Revoking…' : 'Revoke'}
        </button>
      )}
      {revoke.error !== null && <FormErrors messages={describeError(revoke.error).general} />}
    </li>
  );
}

export function InvitesPanel() {
  const invites = useInvites(true);
  return (
    <Section title="Invite codes">
      <CreateInviteForm />
      <h3>Invites</h3>
      {invites.isPending && <Loading />}
      {invites.isError && <FormErrors messages={describeError(invites.error).general} />}
      {invites.data && invites.data.length === 0 && <p className="muted">No invites yet.</p>}
      {invites.data && invites.data.length > 0 && (
        <ul className="invites">
          {invites.data.map((invite) => (
            <InviteRow key={invite.id} invite={invite} />
          ))}
        </ul>
      )}
    </Section>
  );
}
