import { useEffect, useRef } from 'react';
import { Link, Navigate, useLocation, useNavigate, useParams } from 'react-router';

import { SIGN_IN_PATH } from '../../../app/paths';
import { describeError } from '../../../lib/api/errors';
import { FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { AuthCard } from '../../auth/components/AuthCard';
import { useAuth } from '../../auth/hooks';
import { linkToken } from '../../auth/linkToken';
import { useOpenStartLink } from '../hooks';

// The token waits here while the visitor signs in (the fragment does not survive the trip).
const KEPT_TOKEN = 'troubletree.start-link';

/** /start-link#token=... (and /embed/<slug>/start-link#token=...): a link made by a help desk opens its
 * session once, with the intake values filled in, then shows the runner. */
export function StartLinkPage({ embedded = false }: { embedded?: boolean }) {
  usePageTitle('Opening a session');
  const location = useLocation();
  const navigate = useNavigate();
  const { accountSlug } = useParams();
  const { status } = useAuth();
  const open = useOpenStartLink();
  const asked = useRef(false);
  const base = embedded && accountSlug ? `/embed/${encodeURIComponent(accountSlug)}` : '';
  const fromUrl = linkToken(location);
  const token = fromUrl || sessionStorage.getItem(KEPT_TOKEN) || '';

  useEffect(() => {
    if (fromUrl) sessionStorage.setItem(KEPT_TOKEN, fromUrl);
  }, [fromUrl]);

  useEffect(() => {
    if (status !== 'signed-in' || !token || asked.current) return;
    asked.current = true;
    open
      .mutateAsync(token)
      .then((opened) => navigate(`${base}/sessions/${opened.session.id}`, { replace: true }))
      .catch(() => undefined)
      .finally(() => sessionStorage.removeItem(KEPT_TOKEN));
  }, [status, token, open, navigate, base]);

  if (status !== 'signed-in') {
    return <Navigate to={`${SIGN_IN_PATH}?next=${encodeURIComponent(`${base}/start-link`)}`} replace />;
  }
  const card = (
    <AuthCard title="Opening your session">
      {!token && <p>This address holds no start link. Open the link from your help desk again.</p>}
      {token && open.isError && (
        <>
          <FormErrors messages={describeError(open.error).general} />
          <p>
            <Link to={base ? `${base}/start-link` : '/'}>Back to TroubleTree</Link>
          </p>
        </>
      )}
      {token && !open.isError && <Loading label="Opening the session…" />}
    </AuthCard>
  );
  return embedded ? (
    <main className="embed-main" id="main">
      {card}
    </main>
  ) : (
    <main className="auth-page" id="main">
      {card}
    </main>
  );
}
