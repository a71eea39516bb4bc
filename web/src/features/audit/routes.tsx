import type { RouteObject } from 'react-router';

import { AuditLogPage } from './pages/AuditLogPage';

export const auditRoutes: RouteObject[] = [{ path: 'account/audit', element: <AuditLogPage /> }];
