import type { RouteObject } from 'react-router';

import { FieldListPage } from './pages/FieldListPage';
import { FieldRunnerPage } from './pages/FieldRunnerPage';

export const offlineRoutes: RouteObject[] = [
  { path: 'field', element: <FieldListPage /> },
  { path: 'field/:sessionId', element: <FieldRunnerPage /> },
];
