import { Navigate, type RouteObject, useParams } from 'react-router';

import type { NavItem } from '../../app/paths';
import { SessionHistoryPage } from './pages/SessionHistoryPage';
import { SessionRunnerPage } from './pages/SessionRunnerPage';
import { StartScreenPage } from './pages/StartScreenPage';

/** The old address of the intake form: the start screen now. */
function ToStartScreen() {
  const { treeId = '' } = useParams();
  return <Navigate to={`/trees/${treeId}/start`} replace />;
}

export const sessionRoutes: RouteObject[] = [
  { path: 'sessions', element: <SessionHistoryPage /> },
  { path: 'sessions/:sessionId', element: <SessionRunnerPage /> },
  { path: 'trees/:treeId/start', element: <StartScreenPage /> },
  { path: 'trees/:treeId/run', element: <ToStartScreen /> },
];

export const sessionNav: NavItem[] = [{ to: '/sessions', label: 'History' }];
