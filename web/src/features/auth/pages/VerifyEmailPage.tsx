import { useEffect, useRef } from 'react';
import { Link, useLocation } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { FormErrors, Notice } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { linkToken } from '../linkToken';
import { useAuth, useConfirmEmail } from '../hooks';

/** /verify-email#token=...: the link in the verification email. Confirms on arrival. */
export function VerifyEmailPage() {
  usePageTitle('Verify your email');
  const token = linkToken(useLocation());
  const { status } = useAuth();
  const confirm = useConfirmEmail();
  const sent = useRef(false); // a link works once: never send it twice (React StrictMode)

  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true;
      confirm.mutate(token);
    }
  }, [token, confirm]);

  const next =
    status === 'signed-in' ? <Link to="/">Continue to TroubleTree</Link> : <Link to="/sign-in">Sign in</Link>;

  return (
    <AuthCard title="Verify your email" footer={<p>{next}</p>}>
      {!token && <p>This page needs the link from the verification email.</p>}
      {token && (confirm.isPending || confirm.isIdle) && <Loading label="Confirming your address…" />}
      {confirm.isSuccess && <Notice tone="success">{confirm.data.message}</Notice>}
      {confirm.isError && (
        <>
          <FormErrors messages={describeError(confirm.error).general} />
          {status === 'signed-in' && <p>You can ask for a new link from the banner at the top of any page.</p>}
        </>
      )}
    </AuthCard>
  );
}
