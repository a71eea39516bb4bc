import { useState } from 'react';
import { Link } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, Notice, SubmitButton } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { EmailField } from '../components/fields';
import { useRequestPasswordReset } from '../hooks';

export function ForgotPasswordPage() {
  usePageTitle('Forgot password');
  const request = useRequestPasswordReset();
  const [email, setEmail] = useState('');
  const submit = useSingleFlight(() => request.mutateAsync(email.trim()));
  const errors = describeError(request.error, ['email']);

  return (
    <AuthCard
      title="Forgot your password?"
      footer={
        <p>
          <Link to="/sign-in">Back to sign in</Link>
        </p>
      }
    >
      {request.isSuccess ? (
        <Notice tone="success">
          <p>{request.data.message}</p>
          <p>The link works once and expires in 30 minutes.</p>
        </Notice>
      ) : (
        <Form onSubmit={submit.run}>
          <p>Enter the address you sign in with and we will email you a link to choose a new password.</p>
          <FormErrors messages={errors.general} />
          <EmailField value={email} onChange={setEmail} error={errors.fields.email} />
          <SubmitButton busy={submit.busy} busyLabel="Sending…">
            Send reset link
          </SubmitButton>
        </Form>
      )}
    </AuthCard>
  );
}
