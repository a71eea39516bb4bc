import { useEffect, useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, SubmitButton, TextAreaField } from '../../../ui/forms';
import { Loading, Section } from '../../../ui/page';
import { useEmbedSettings, useSaveEmbedOrigins } from '../hooks';

export function EmbedOrigins() {
  const settings = useEmbedSettings();
  const save = useSaveEmbedOrigins();
  const [text, setText] = useState('');
  useEffect(() => {
    if (settings.data) setText(settings.data.allowed_origins.join('\n'));
  }, [settings.data]);
  const submit = useSingleFlight(() =>
    save.mutateAsync(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  );
  const errors = describeError(save.error);
  return (
    <Section title="Embedded runner">
      {settings.isPending && <Loading />}
      {settings.data && (
        <Form onSubmit={submit.run}>
          <p className="muted">
            Pages of these origins may show the runner in a frame, at <code>/embed/{settings.data.account_slug}/…</code>
            . Everyone still signs in.
          </p>
          <FormErrors messages={errors.general} />
          <TextAreaField
            label="Allowed origins (one a line)"
            rows={3}
            placeholder="https://helpdesk.example.com"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <SubmitButton busy={submit.busy} busyLabel="Saving…">
            Save origins
          </SubmitButton>
          {save.isSuccess && !save.isPending && <p role="status">Saved.</p>}
        </Form>
      )}
    </Section>
  );
}
