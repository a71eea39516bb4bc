import type { ReactNode } from 'react';
import { Link } from 'react-router';

import type { LinkStatus } from '../hooks';

const SAYS: Record<Exclude<LinkStatus, 'valid'>, string> = {
  used: 'This link was already used.',
  expired: 'This link has expired.',
  invalid: 'This link is not valid: it may have been copied incompletely.',
};

/** What a link that cannot be used says, and the way to a new one. */
export function UnusableLink({ status, again }: { status: Exclude<LinkStatus, 'valid'>; again: ReactNode }) {
  return (
    <div className="form-errors" role="alert">
      <p>{SAYS[status]}</p>
      <p>{again}</p>
    </div>
  );
}

/** "Ask for a new link" to the forgot-password page. */
export function NewResetLink() {
  return <Link to="/forgot-password">Ask for a new link</Link>;
}
