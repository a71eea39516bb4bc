import { isRouteErrorResponse, useRouteError } from 'react-router';

import { useAuth } from '../lib/auth/AuthProvider';
import { NotFound } from '../ui/NotFound';
import type { NavItem } from './paths';
import { AppLayout, PublicLayout } from './layouts';

/** An unknown address: signed in, inside the app's layout (the navigation stays); signed out,
 * on the public card with a way to sign in. */
export function NotFoundPage({ nav }: { nav: NavItem[] }) {
  const { status } = useAuth();
  if (status === 'signed-in') {
    return (
      <AppLayout nav={nav}>
        <NotFound />
      </AppLayout>
    );
  }
  return (
    <PublicLayout>
      <div className="auth-card">
        <NotFound back={{ to: '/sign-in', label: 'Sign in to TroubleTree' }} />
      </div>
    </PublicLayout>
  );
}

export function RouteErrorPage() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : error instanceof Error
      ? error.message
      : 'Unknown error';
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <h1>Something went wrong</h1>
        <p>{message}</p>
        <p>
          <a href="/">Reload TroubleTree</a>
        </p>
      </div>
    </main>
  );
}
