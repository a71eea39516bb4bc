import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

import { usePageTitle } from '../ui/page';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <div className="auth-card">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Go to TroubleTree</Link>
      </p>
    </div>
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
