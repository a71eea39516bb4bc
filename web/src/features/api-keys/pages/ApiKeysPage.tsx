import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { CopyButton } from '../../../ui/CopyButton';
import { ConfirmDialog } from '../../../ui/dialogs';
import { Field, Form, FormErrors, SelectField, SubmitButton } from '../../../ui/forms';
import { Loading, Section, usePageTitle } from '../../../ui/page';
import { ROLES, type Role } from '../../account/hooks';
import { AccountTabs } from '../../account/components/AccountTabs';
import { useCurrentUser } from '../../auth/hooks';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKeyCreated, type ApiKeyRead } from '../hooks';

const EXPIRY_CHOICES = [
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'Never', days: null },
] as const;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const when = (at: string | null, none = '—') => (at ? dateFormat.format(new Date(at)) : none);

function CreatedKey({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  return (
    <div className="created-invite" role="status">
      <p>
        <strong>Key “{created.name}” created.</strong> Copy it now: it is shown only once, and only a hash of it is
        kept. Send it as <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <div className="copy-row">
        <span className="label">Key</span>
        <code data-testid="api-key">{created.key}</code>
        <CopyButton text={created.key} label="Copy key" />
      </div>
      <button type="button" className="button small" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

function CreateKeyForm() {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('technician');
  const [expiry, setExpiry] = useState('90');
  const [shown, setShown] = useState<ApiKeyCreated | null>(null);
  const submit = useSingleFlight(async () => {
    const created = await create.mutateAsync({
      name,
      role,
      expires_in_days: expiry === 'never' ? null : Number(expiry),
    });
    setShown(created);
    setName('');
  });
  const errors = describeError(create.error, ['name', 'role', 'expires_in_days']);
  return (
    <>
      <Form className="inline-form" onSubmit={submit.run}>
        <FormErrors messages={errors.general} />
        <Field
          label="Name"
          placeholder="Help desk integration"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
        />
        <SelectField
          label="Role"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          error={errors.fields.role}
          options={ROLES.map((r) => ({ value: r, label: r }))}
        />
        <SelectField
          label="Expires after"
          value={expiry}
          onChange={(e) => setExpiry(e.target.value)}
          error={errors.fields.expires_in_days}
          options={EXPIRY_CHOICES.map((c) => ({ value: String(c.days ?? 'never'), label: c.label }))}
        />
        <SubmitButton busy={submit.busy} busyLabel="Creating…">
          Create key
        </SubmitButton>
      </Form>
      {shown && <CreatedKey created={shown} onDone={() => setShown(null)} />}
    </>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKeyRead }) {
  const revoke = useRevokeApiKey();
  const [asking, setAsking] = useState(false);
  const run = useSingleFlight(async () => {
    await revoke.mutateAsync(apiKey.id);
    setAsking(false);
  });
  return (
    <tr>
      <td>
        <strong>{apiKey.name}</strong>
        <div className="muted">
          <code>{apiKey.key_hint}…</code>
        </div>
      </td>
      <td>{apiKey.role}</td>
      <td>
        <span className={`badge ${apiKey.status === 'active' ? 'ok' : ''}`}>{apiKey.status}</span>
      </td>
      <td>
        {when(apiKey.created_at)}
        <div className="muted">by {apiKey.created_by_name}</div>
      </td>
      <td>{when(apiKey.expires_at, 'never')}</td>
      <td>
        {when(apiKey.last_used_at, 'never')}
        {apiKey.last_used_ip && <div className="muted">from {apiKey.last_used_ip}</div>}
      </td>
      <td>
        {apiKey.status === 'active' && (
          <button
            type="button"
            className="button small"
            aria-label={`Revoke key ${apiKey.name}`}
            onClick={() => setAsking(true)}
          >
            Revoke
          </button>
        )}
        {revoke.error !== null && <FormErrors messages={describeError(revoke.error).general} />}
        {asking && (
          <ConfirmDialog
            title={`Revoke “${apiKey.name}”?`}
            confirm="Revoke key"
            danger
            busy={run.busy}
            onConfirm={() => run.run()}
            onCancel={() => setAsking(false)}
          >
            <p>Every request with this key is refused from now on. This cannot be undone.</p>
          </ConfirmDialog>
        )}
      </td>
    </tr>
  );
}

function KeysTable() {
  const keys = useApiKeys();
  if (keys.isPending) return <Loading label="Loading keys…" />;
  if (keys.isError) return <FormErrors messages={describeError(keys.error).general} />;
  if (keys.data.length === 0) return <p className="muted">No API keys yet.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table" aria-label="API keys">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data.map((k) => (
            <KeyRow key={k.id} apiKey={k} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ApiKeysPage() {
  usePageTitle('API keys');
  const me = useCurrentUser();
  if (me.isPending) return <Loading />;
  if (me.data?.membership?.role !== 'admin') {
    return (
      <>
        <h1>API keys</h1>
        <p>Only account administrators manage API keys.</p>
      </>
    );
  }
  return (
    <>
      <h1>API keys</h1>
      <AccountTabs />
      <div className="stack">
        <Section title="New key">
          <p className="muted">
            A key lets another system (a help desk, a script) call the API for this account with the role you choose.
            What it does is recorded in the audit log under your name.
          </p>
          <CreateKeyForm />
        </Section>
        <Section title="Keys">
          <KeysTable />
        </Section>
      </div>
    </>
  );
}
