import type { RouteObject } from 'react-router';

import type { NavItem } from '../../app/paths';
import { SessionHistoryPage } from './pages/SessionHistoryPage';
import { SessionRunnerPage } from './pages/SessionRunnerPage';
import { StartSessionPage } from './pages/StartSessionPage';

export const sessionRoutes: RouteObject[] = [
  { path: 'sessions', element: <SessionHistoryPage /> },
  { path: 'sessions/:sessionId', element: <SessionRunnerPage /> },
  { path: 'trees/:treeId/run', element: <StartSessionPage /> },
];

export const sessionNav: NavItem[] = [{ to: '/sessions', label: 'History' }];
