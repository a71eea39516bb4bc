import type { RouteObject } from 'react-router';

import { ApiKeysPage } from './pages/ApiKeysPage';

export const apiKeyRoutes: RouteObject[] = [{ path: 'account/api-keys', element: <ApiKeysPage /> }];
