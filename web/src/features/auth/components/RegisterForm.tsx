import { useState } from 'react';
import { Link } from 'react-router';

import type { RegisterRequest } from '../../../client';
import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { Field, Form, FormErrors, Notice, SubmitButton } from '../../../ui/forms';
import { useRegister } from '../hooks';
import { EmailField, PasswordField } from './fields';

const FIELDS = ['full_name', 'email', 'password', 'account_name', 'invite_code', 'platform_invite_code'] as const;

interface RegisterFormProps {
  /** A code from an invite link: used as is, and no invite field is shown. */
  fixedInviteCode?: string;
  /** The code typed into the invite field at first (from ?invite=). */
  initialInviteCode?: string;
}

export function RegisterForm({ fixedInviteCode, initialInviteCode = '' }: RegisterFormProps) {
  const register = useRegister();
  const [sentTo, setSentTo] = useState('');
  const [fullName, setFullName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [accountName, setAccountName] = useState('');
  const [inviteCode, setInviteCode] = useState(initialInviteCode);
  const [platformCode, setPlatformCode] = useState('');

  const code = (fixedInviteCode ?? inviteCode).trim();
  const joining = code.length > 0;
  const errors = describeError(register.error, FIELDS);
  const needsPlatformCode = platformCode.length > 0 || Boolean(errors.fields.platform_invite_code);

  const submit = useSingleFlight(async () => {
    const body: RegisterRequest = { email: email.trim(), password, full_name: fullName.trim() };
    if (joining) body.invite_code = code;
    else if (accountName.trim()) body.account_name = accountName.trim();
    if (!joining && platformCode.trim()) body.platform_invite_code = platformCode.trim();
    await register.mutateAsync(body);
    setSentTo(body.email);
  });

  if (register.isSuccess) return <CheckYourEmail email={sentTo} message={register.data.message} />;

  return (
    <Form onSubmit={submit.run}>
      <FormErrors messages={errors.general} />
      <Field
        label="Your name"
        name="full_name"
        autoComplete="name"
        required
        value={fullName}
        onChange={(e) => setFullName(e.target.value)}
        error={errors.fields.full_name}
      />
      <EmailField value={email} onChange={setEmail} error={errors.fields.email} />
      <PasswordField
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        error={errors.fields.password}
        hint="At least 10 characters. A few unrelated words make a strong one."
      />
      {fixedInviteCode === undefined && (
        <Field
          label="Invite code (optional)"
          name="invite_code"
          autoComplete="off"
          spellCheck={false}
          value={inviteCode}
          onChange={(e) => setInviteCode(e.target.value)}
          error={errors.fields.invite_code}
          hint="From a colleague, to join their team. Leave empty to start a new team."
        />
      )}
      {fixedInviteCode !== undefined && errors.fields.invite_code && (
        <FormErrors messages={[errors.fields.invite_code]} />
      )}
      {!joining && (
        <Field
          label="Team or company name (optional)"
          name="account_name"
          autoComplete="organization"
          value={accountName}
          onChange={(e) => setAccountName(e.target.value)}
          error={errors.fields.account_name}
        />
      )}
      {!joining && needsPlatformCode && (
        <Field
          label="Sign-up code"
          name="platform_invite_code"
          autoComplete="off"
          spellCheck={false}
          value={platformCode}
          onChange={(e) => setPlatformCode(e.target.value)}
          error={errors.fields.platform_invite_code}
          hint="New teams need a sign-up code from the TroubleTree administrators."
        />
      )}
      <SubmitButton busy={submit.busy} busyLabel="Creating your account…">
        {joining ? 'Join the team' : 'Create account'}
      </SubmitButton>
    </Form>
  );
}

/** What every registration sees, whether or not the address already had an account. */
function CheckYourEmail({ email, message }: { email: string; message: string }) {
  return (
    <div className="stack">
      <Notice tone="success">
        <p>
          <strong>{message}</strong>
        </p>
        <p>
          We wrote to <strong>{email}</strong>. Open the link in that message to confirm your address, then sign in. If
          the address already had an account, the message says how to sign in or reset its password instead.
        </p>
      </Notice>
      <p>Nothing arrived after a few minutes? Look in the spam folder, or register again to send another.</p>
      <Link to="/sign-in" className="button primary">
        Go to sign in
      </Link>
    </div>
  );
}
