import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { CopyButton } from '../../../ui/CopyButton';
import { Field, Form, FormErrors, SubmitButton } from '../../../ui/forms';
import { EVENTS, useCreateWebhook, type WebhookCreated, type WebhookEvent } from '../hooks';

function CreatedSecret({ webhook }: { webhook: WebhookCreated }) {
  return (
    <div className="created-invite" role="status">
      <p>
        <strong>Endpoint registered.</strong> Its signing secret is shown only now: keep it with the receiver to check
        the <code>TroubleTree-Signature</code> header.
      </p>
      <div className="copy-row">
        <span className="label">Secret</span>
        <code data-testid="webhook-secret">{webhook.secret}</code>
        <CopyButton text={webhook.secret} label="Copy secret" />
      </div>
    </div>
  );
}

export function RegisterWebhook() {
  const create = useCreateWebhook();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['session.completed', 'session.escalated']);
  const submit = useSingleFlight(async () => {
    await create.mutateAsync({ url, events, description });
    setUrl('');
    setDescription('');
  });
  const errors = describeError(create.error, ['url', 'events', 'description']);
  const toggle = (event: WebhookEvent, on: boolean) =>
    setEvents((current) => (on ? [...current, event] : current.filter((e) => e !== event)));

  return (
    <>
      <Form onSubmit={submit.run}>
        <FormErrors messages={errors.general} />
        <Field
          label="Endpoint URL"
          type="url"
          placeholder="https://helpdesk.example.com/hooks/troubletree"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          error={errors.fields.url}
          hint="HTTPS; in production it must resolve to a public address."
        />
        <Field
          label="Description"
          value={description}
          maxLength={200}
          onChange={(e) => setDescription(e.target.value)}
          error={errors.fields.description}
        />
        <fieldset className="field">
          <legend>Events</legend>
          <div className="checkbox-row">
            {EVENTS.map((event) => (
              <label key={event} className="choice">
                <input
                  type="checkbox"
                  checked={events.includes(event)}
                  onChange={(e) => toggle(event, e.target.checked)}
                />{' '}
                <code>{event}</code>
              </label>
            ))}
          </div>
          {errors.fields.events && <p className="field-error">{errors.fields.events}</p>}
        </fieldset>
        <SubmitButton busy={submit.busy} busyLabel="Registering…">
          Register endpoint
        </SubmitButton>
      </Form>
      {create.data && <CreatedSecret webhook={create.data} />}
    </>
  );
}
