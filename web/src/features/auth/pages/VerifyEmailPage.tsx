import { useEffect, useRef } from 'react';
import { Link, useLocation } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { FormErrors, Notice } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { linkToken } from '../linkToken';
import { UnusableLink } from '../components/LinkStatus';
import { useAuth, useConfirmEmail, useVerificationLink } from '../hooks';

/** /verify-email#token=...: the link in the verification email. Confirms on arrival. */
export function VerifyEmailPage() {
  usePageTitle('Verify your email');
  const token = linkToken(useLocation());
  const { status } = useAuth();
  const link = useVerificationLink(token);
  const confirm = useConfirmEmail();
  const sent = useRef(false); // a link works once: never send it twice (React StrictMode)

  // A link that can be used confirms on arrival; one that cannot says so. When the check itself
  // fails, confirming says what is wrong.
  const usable = link.data === 'valid' || link.isError;
  useEffect(() => {
    if (token && usable && !sent.current) {
      sent.current = true;
      confirm.mutate(token);
    }
  }, [token, usable, confirm]);
  const unusable = link.data && link.data !== 'valid' && !sent.current ? link.data : null;

  const next =
    status === 'signed-in' ? <Link to="/">Continue to TroubleTree</Link> : <Link to="/sign-in">Sign in</Link>;

  return (
    <AuthCard title="Verify your email" footer={<p>{next}</p>}>
      {!token && <p>This page needs the link from the verification email.</p>}
      {unusable && (
        <UnusableLink
          status={unusable}
          again={
            status === 'signed-in'
              ? 'Ask for a new link with “Send the link again” at the top of any page.'
              : 'Sign in, then ask for a new link with “Send the link again” at the top of the page.'
          }
        />
      )}
      {token && !unusable && (confirm.isPending || confirm.isIdle) && <Loading label="Confirming your address…" />}
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
