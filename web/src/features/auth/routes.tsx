import type { RouteObject } from 'react-router';

import { AcceptInvitePage } from './pages/AcceptInvitePage';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { RegisterPage } from './pages/RegisterPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { SignInPage } from './pages/SignInPage';
import { VerifyEmailPage } from './pages/VerifyEmailPage';

/** Pages for signed-out visitors (a signed-in one is sent home). */
export const signedOutRoutes: RouteObject[] = [
  { path: 'sign-in', element: <SignInPage /> },
  { path: 'register', element: <RegisterPage /> },
  { path: 'forgot-password', element: <ForgotPasswordPage /> },
  { path: 'reset-password', element: <ResetPasswordPage /> },
];

/** Pages opened from an email or an invite link, signed in or not. */
export const linkRoutes: RouteObject[] = [
  { path: 'verify-email', element: <VerifyEmailPage /> },
  { path: 'accept-invite', element: <AcceptInvitePage /> },
];
