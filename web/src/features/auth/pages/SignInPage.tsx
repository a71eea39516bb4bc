import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';

import { safeNextPath } from '../../../app/paths';
import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Field, FormErrors, SubmitButton } from '../../../ui/forms';
import { usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
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
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit.run();
        }}
      >
        <FormErrors messages={errors.general} />
        <Field
          label="Email"
          type="email"
          name="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
        />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
        />
        <SubmitButton busy={submit.busy} busyLabel="Signing in…">
          Sign in
        </SubmitButton>
      </form>
    </AuthCard>
  );
}
