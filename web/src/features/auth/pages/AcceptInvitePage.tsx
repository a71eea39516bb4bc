import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { Field, FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { AuthCard } from '../components/AuthCard';
import { RegisterForm } from '../components/RegisterForm';
import { useAuth, useCurrentUser, useInvitePreview } from '../hooks';

const ROLE_NAMES: Record<string, string> = {
  admin: 'an administrator',
  engineer: 'an engineer (writes trees)',
  technician: 'a technician (runs trees)',
};

/** /accept-invite?code=...: the link in an account invite. */
export function AcceptInvitePage() {
  usePageTitle('Accept an invite');
  const [params, setParams] = useSearchParams();
  const code = (params.get('code') ?? '').trim();
  const { status, signOut } = useAuth();
  const me = useCurrentUser();
  const preview = useInvitePreview(status === 'signed-in' ? '' : code);
  const [typed, setTyped] = useState('');

  if (status === 'signed-in') {
    return (
      <AuthCard title="Accept an invite">
        <p>
          You are signed in as <strong>{me.data?.user.email ?? 'another user'}</strong>. A person belongs to one team,
          so an invite is accepted with a new account: sign out first, then open the invite link again.
        </p>
        <div className="actions">
          <button type="button" className="button primary" onClick={() => void signOut()}>
            Sign out
          </button>
          <Link to="/" className="button">
            Stay signed in
          </Link>
        </div>
      </AuthCard>
    );
  }

  if (!code) {
    return (
      <AuthCard title="Accept an invite">
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (typed.trim()) setParams({ code: typed.trim() });
          }}
        >
          <Field
            label="Invite code"
            name="code"
            autoComplete="off"
            spellCheck={false}
            required
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <button type="submit" className="button primary">
            Continue
          </button>
        </form>
      </AuthCard>
    );
  }

  const footer = (
    <p>
      Already have an account? <Link to="/sign-in">Sign in</Link>
    </p>
  );

  if (preview.isPending) {
    return (
      <AuthCard title="Accept an invite">
        <Loading label="Checking the invite…" />
      </AuthCard>
    );
  }
  if (preview.isError) {
    return (
      <AuthCard title="Accept an invite" footer={footer}>
        <FormErrors messages={describeError(preview.error).general} />
        <p>Ask the person who invited you for a new link.</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={`Join ${preview.data.account_name}`} footer={footer}>
      <p>
        You are invited to join <strong>{preview.data.account_name}</strong> as{' '}
        {ROLE_NAMES[preview.data.role] ?? preview.data.role}. Create your account to accept.
      </p>
      <RegisterForm fixedInviteCode={code} />
    </AuthCard>
  );
}
