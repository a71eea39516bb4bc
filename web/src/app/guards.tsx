import { Navigate, Outlet, useLocation } from 'react-router';

import { useAuth } from '../lib/auth/AuthProvider';
import { safeNextPath, SIGN_IN_PATH } from './paths';

/** Signed-in pages: a signed-out visitor goes to sign in, and comes back afterwards. */
export function RequireSignedIn() {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'signed-in') return <Outlet />;
  const next = encodeURIComponent(location.pathname + location.search);
  return <Navigate to={`${SIGN_IN_PATH}?next=${next}`} replace />;
}

/** Sign in, register, ...: a signed-in visitor goes home. */
export function RequireSignedOut() {
  const { status } = useAuth();
  const location = useLocation();
  if (status !== 'signed-in') return <Outlet />;
  return <Navigate to={safeNextPath(location.search)} replace />;
}
