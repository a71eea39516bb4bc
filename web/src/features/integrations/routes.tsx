import type { RouteObject } from 'react-router';

import { EmbedLayout } from '../../app/embed';
import { RequireSignedIn } from '../../app/guards';
import { SessionRunnerPage } from '../sessions/pages/SessionRunnerPage';
import { StartScreenPage } from '../sessions/pages/StartScreenPage';
import { StartLinkPage } from './pages/StartLinkPage';
import { WebhooksPage } from './pages/WebhooksPage';

/** Inside the app's layout (administrators). */
export const integrationRoutes: RouteObject[] = [{ path: 'account/integrations', element: <WebhooksPage /> }];

/** Start links and the embeddable runner: outside the app's layout. */
export const startLinkRoutes: RouteObject[] = [
  { path: 'start-link', element: <StartLinkPage /> },
  { path: 'embed/:accountSlug/start-link', element: <StartLinkPage embedded /> },
  {
    path: 'embed/:accountSlug',
    element: <RequireSignedIn />,
    children: [
      {
        element: <EmbedLayout />,
        children: [
          { path: 'sessions/:sessionId', element: <SessionRunnerPage /> },
          { path: 'trees/:treeId/start', element: <StartScreenPage /> },
        ],
      },
    ],
  },
];
