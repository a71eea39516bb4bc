import { useState } from 'react';
import { Link, useLocation } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Form, FormErrors, Notice, SubmitButton } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { linkToken } from '../linkToken';
import { PasswordField } from '../components/fields';
import { NewResetLink, UnusableLink } from '../components/LinkStatus';
import { useConfirmPasswordReset, usePasswordResetLink } from '../hooks';

/** /reset-password#token=...: the link in the reset email. */
export function ResetPasswordPage() {
  usePageTitle('Choose a new password');
  const token = linkToken(useLocation());
  const link = usePasswordResetLink(token);
  const confirm = useConfirmPasswordReset();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const submit = useSingleFlight(async () => {
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    await confirm.mutateAsync({ token, new_password: password });
  });
  const errors = describeError(confirm.error, ['new_password']);
  // A token problem is not the user's typing: show it at the top with a way forward.
  const tokenErrors = confirm.error ? errors.general : [];

  if (!token) {
    return (
      <AuthCard title="Choose a new password">
        <p>This page needs the link from the reset email.</p>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </AuthCard>
    );
  }

  // Said when the page opens, before anyone types a password.
  if (link.isPending) {
    return (
      <AuthCard title="Choose a new password">
        <Loading label="Checking the link…" />
      </AuthCard>
    );
  }
  if (link.data && link.data !== 'valid' && !confirm.isSuccess) {
    return (
      <AuthCard title="Choose a new password">
        <UnusableLink status={link.data} again={<NewResetLink />} />
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Choose a new password"
      footer={
        confirm.isSuccess ? undefined : (
          <p>
            <NewResetLink />
          </p>
        )
      }
    >
      {confirm.isSuccess ? (
        <Notice tone="success">
          <p>{confirm.data.message}</p>
          <p>
            <Link to="/sign-in">Sign in</Link>
          </p>
        </Notice>
      ) : (
        <Form onSubmit={submit.run}>
          <FormErrors messages={tokenErrors} />
          <PasswordField
            label="New password"
            name="new_password"
            autoComplete="new-password"
            value={password}
            onChange={setPassword}
            error={errors.fields.new_password}
            hint="At least 10 characters. Every device will be signed out."
          />
          <PasswordField
            label="Repeat the new password"
            name="repeat_password"
            autoComplete="new-password"
            value={repeat}
            onChange={setRepeat}
            error={mismatch ? 'The two passwords are not the same.' : undefined}
          />
          <SubmitButton busy={submit.busy} busyLabel="Saving…">
            Set new password
          </SubmitButton>
        </Form>
      )}
    </AuthCard>
  );
}
