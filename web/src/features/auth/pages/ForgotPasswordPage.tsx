import { useState } from 'react';
import { Link } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Field, FormErrors, Notice, SubmitButton } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
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
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            submit.run();
          }}
        >
          <p>Enter the address you sign in with and we will email you a link to choose a new password.</p>
          <FormErrors messages={errors.general} />
          <Field
            label="Email"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={errors.fields.email}
          />
          <SubmitButton busy={submit.busy} busyLabel="Sending…">
            Send reset link
          </SubmitButton>
        </form>
      )}
    </AuthCard>
  );
}
