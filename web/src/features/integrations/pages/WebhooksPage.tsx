import { useState } from 'react';
import { Link } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { ConfirmDialog } from '../../../ui/dialogs';
import { FormErrors } from '../../../ui/forms';
import { Loading, Section, usePageTitle } from '../../../ui/page';
import { useCurrentUser } from '../../auth/hooks';
import { DeliveryLog } from '../components/DeliveryLog';
import { EmbedOrigins } from '../components/EmbedOrigins';
import { RegisterWebhook } from '../components/RegisterWebhook';
import { useDeleteWebhook, useUpdateWebhook, useWebhooks, type WebhookRead } from '../hooks';

function Endpoint({ webhook }: { webhook: WebhookRead }) {
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const toggle = useSingleFlight(() => update.mutateAsync({ id: webhook.id, body: { is_active: !webhook.is_active } }));
  const drop = useSingleFlight(() => remove.mutateAsync(webhook.id));
  return (
    <li className="webhook" data-testid="webhook">
      <div className="invite">
        <div className="member-who">
          <code className="webhook-url">{webhook.url}</code>
          <span className="muted">
            {webhook.events.join(', ')}
            {webhook.description && ` · ${webhook.description}`}
          </span>
          {!webhook.is_active && webhook.disabled_reason && <span className="muted">{webhook.disabled_reason}</span>}
        </div>
        <div className="member-actions">
          <span className={`badge ${webhook.is_active ? 'ok' : ''}`}>{webhook.is_active ? 'active' : 'disabled'}</span>
          <button type="button" className="button small" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide delivery log' : 'Delivery log'}
          </button>
          <button type="button" className="button small" onClick={() => toggle.run()}>
            {webhook.is_active ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="button small" onClick={() => setConfirming(true)}>
            Delete
          </button>
        </div>
      </div>
      {(update.error ?? remove.error) !== null && (
        <FormErrors messages={describeError(update.error ?? remove.error).general} />
      )}
      {open && <DeliveryLog webhookId={webhook.id} active={webhook.is_active} />}
      {confirming && (
        <ConfirmDialog
          title="Delete this endpoint?"
          confirm="Delete endpoint"
          danger
          busy={drop.busy}
          onConfirm={() => drop.run()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            <code className="webhook-url">{webhook.url}</code> gets no more events, and its delivery log is deleted with
            it.
          </p>
        </ConfirmDialog>
      )}
    </li>
  );
}

export function WebhooksPage() {
  usePageTitle('Webhooks and embedding');
  const me = useCurrentUser();
  const webhooks = useWebhooks();
  if (me.data && me.data.membership?.role !== 'admin') {
    return (
      <>
        <h1>Webhooks and embedding</h1>
        <p>Only account administrators manage integrations.</p>
      </>
    );
  }
  return (
    <>
      <p>
        <Link to="/account">← Account</Link>
      </p>
      <h1>Webhooks and embedding</h1>
      <div className="stack">
        <Section title="Register a webhook endpoint">
          <RegisterWebhook />
        </Section>
        <Section title="Endpoints">
          {webhooks.isPending && <Loading />}
          {webhooks.isError && <FormErrors messages={describeError(webhooks.error).general} />}
          {webhooks.data?.length === 0 && <p className="muted">No endpoints yet.</p>}
          {webhooks.data && webhooks.data.length > 0 && (
            <ul className="invites">
              {webhooks.data.map((webhook) => (
                <Endpoint key={webhook.id} webhook={webhook} />
              ))}
            </ul>
          )}
        </Section>
        <EmbedOrigins />
      </div>
    </>
  );
}
