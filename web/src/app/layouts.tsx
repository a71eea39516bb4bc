import { type ReactNode, useEffect, useRef } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';

import { describeError } from '../lib/api/errors';
import { useAuth } from '../lib/auth/AuthProvider';
import { useSingleFlight } from '../lib/guards/hooks';
import { Loading } from '../ui/page';
import { useCurrentUser, useSendVerificationEmail } from '../features/auth/hooks';
import { SyncBadge } from '../features/offline/components/SyncBadge';
import { SIGN_IN_PATH, type NavItem } from './paths';

/** After a client-side navigation, move focus to the new page's main content, as a full page
 * load would, so keyboard and screen reader users start at the top of the new page. */
function useFocusOnNavigate() {
  const { pathname } = useLocation();
  const shown = useRef(pathname);
  useEffect(() => {
    if (shown.current === pathname) return; // the first page, or the same page again
    shown.current = pathname;
    const main = document.getElementById('main');
    // The new page put focus somewhere itself (a search box with autofocus): leave it there.
    const active = document.activeElement;
    if (main && active && active !== main && main.contains(active)) return;
    const heading = main?.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    } else {
      main?.focus();
    }
  }, [pathname]);
}

export function RootLayout() {
  const { status, retryRestore } = useAuth();
  useFocusOnNavigate();
  if (status === 'restoring') {
    return (
      <main className="auth-page" id="main">
        <Loading label="Opening TroubleTree…" />
      </main>
    );
  }
  if (status === 'unreachable') {
    return (
      <main className="auth-page" id="main">
        <div className="auth-card">
          <h1>TroubleTree cannot be reached</h1>
          <p>Check your connection, then try again.</p>
          <button type="button" className="button primary" onClick={retryRestore}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  return <Outlet />;
}

function SkipLink() {
  return (
    <a className="skip-link" href="#main">
      Skip to content
    </a>
  );
}

export function PublicLayout({ children }: { children?: ReactNode }) {
  return (
    <>
      <SkipLink />
      <main className="auth-page" id="main" tabIndex={-1}>
        <Link to="/" className="brand">
          TroubleTree
        </Link>
        {children ?? <Outlet />}
      </main>
    </>
  );
}

function VerifyEmailBanner() {
  const send = useSendVerificationEmail();
  const run = useSingleFlight(() => send.mutateAsync());
  return (
    <section className="banner" aria-label="Email verification">
      {send.isSuccess ? (
        <p role="status">{send.data.message}</p>
      ) : (
        <>
          <p>Please confirm your email address.</p>
          <button type="button" className="button small" onClick={() => run.run()}>
            {run.busy ? 'Sending…' : 'Send the link again'}
          </button>
          {send.isError && <p role="alert">{describeError(send.error).general.join(' ')}</p>}
        </>
      )}
    </section>
  );
}

/** The signed-in pages' frame; `children` instead of the route's page (the not-found page). */
export function AppLayout({ nav, children }: { nav: NavItem[]; children?: ReactNode }) {
  const { signOut } = useAuth();
  const me = useCurrentUser();
  const navigate = useNavigate();
  const doSignOut = useSingleFlight(async () => {
    await signOut();
    void navigate(SIGN_IN_PATH, { replace: true });
  });
  const user = me.data?.user;

  return (
    <>
      <SkipLink />
      <header className="app-header">
        <Link to="/" className="brand">
          TroubleTree
        </Link>
        <nav aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to}>{item.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="user-menu">
          <SyncBadge />
          {user && (
            <span className="user-name" title={user.email}>
              {user.full_name}
            </span>
          )}
          <button type="button" className="button small" onClick={() => doSignOut.run()}>
            {doSignOut.busy ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </header>
      {user && !user.email_verified_at && <VerifyEmailBanner />}
      <main className="app-main" id="main" tabIndex={-1}>
        {children ?? <Outlet />}
      </main>
    </>
  );
}
