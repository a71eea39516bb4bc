// The route table. Each feature exports its routes (and nav items); adding a feature (trees,
// quick start, sessions, editor) is one line here and one in `nav`. The editor route is lazy.

import { createBrowserRouter, Navigate } from 'react-router';

import { accountNav, accountRoutes } from '../features/account/routes';
import { apiKeyRoutes } from '../features/api-keys/routes';
import { auditRoutes } from '../features/audit/routes';
import { linkRoutes, signedOutRoutes } from '../features/auth/routes';
import { offlineRoutes } from '../features/offline/routes';
import { editorRoutes } from '../features/editor/routes';
import { insightRoutes } from '../features/insights/routes';
import { integrationRoutes, startLinkRoutes } from '../features/integrations/routes';
import { quickStartNav, quickStartRoutes } from '../features/quick-start/routes';
import { sessionNav, sessionRoutes } from '../features/sessions/routes';
import { treeNav, treeRoutes } from '../features/trees/routes';
import { AppLayout, PublicLayout, RootLayout } from './layouts';
import { NotFoundPage, RouteErrorPage } from './NotFoundPage';
import { Loading } from '../ui/page';
import { HOME_PATH, type NavItem } from './paths';
import { RequireSignedIn, RequireSignedOut } from './guards';

export const nav: NavItem[] = [...quickStartNav, ...treeNav, ...sessionNav, ...accountNav];

export function createRouter() {
  return createBrowserRouter([
    {
      element: <RootLayout />,
      errorElement: <RouteErrorPage />,
      // Shown while a lazy route (the editor) loads on the first page of a visit.
      hydrateFallbackElement: (
        <main className="auth-page" id="main">
          <Loading label="Opening TroubleTree…" />
        </main>
      ),
      children: [
        { index: true, element: <Navigate to={HOME_PATH} replace /> },
        {
          element: <RequireSignedOut />,
          children: [{ element: <PublicLayout />, children: signedOutRoutes }],
        },
        { element: <PublicLayout />, children: linkRoutes },
        ...startLinkRoutes,
        {
          element: <RequireSignedIn />,
          children: [
            {
              element: <AppLayout nav={nav} />,
              children: [
                ...quickStartRoutes,
                ...treeRoutes,
                ...editorRoutes,
                ...insightRoutes,
                ...sessionRoutes,
                ...offlineRoutes,
                ...accountRoutes,
                ...apiKeyRoutes,
                ...auditRoutes,
                ...integrationRoutes,
              ],
            },
          ],
        },
        { path: '*', element: <NotFoundPage nav={nav} /> },
      ],
    },
  ]);
}
