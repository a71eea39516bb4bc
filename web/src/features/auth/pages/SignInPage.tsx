import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';

import { safeNextPath } from '../../../app/paths';
import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, SubmitButton } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { EmailField, PasswordField } from '../components/fields';
import { useSignIn } from '../hooks';

const FIELDS = ['email', 'password'] as const;

export function SignInPage() {
  usePageTitle('Sign in');
  const navigate = useNavigate();
  const location = useLocation();
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useSingleFlight(async () => {
    await signIn.mutateAsync({ email, password });
    void navigate(safeNextPath(location.search), { replace: true });
  });
  const errors = describeError(signIn.error, FIELDS);

  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          <p>
            New here? <Link to="/register">Create an account</Link>
          </p>
          <p>
            <Link to="/forgot-password">Forgot your password?</Link>
          </p>
        </>
      }
    >
      <Form onSubmit={submit.run}>
        <FormErrors messages={errors.general} />
        <EmailField autoComplete="username" autoFocus value={email} onChange={setEmail} error={errors.fields.email} />
        <PasswordField
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={errors.fields.password}
        />
        <SubmitButton busy={submit.busy} busyLabel="Signing in…">
          Sign in
        </SubmitButton>
      </Form>
    </AuthCard>
  );
}
