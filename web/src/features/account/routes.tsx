import type { RouteObject } from 'react-router';

import type { NavItem } from '../../app/paths';
import { AccountAdminPage } from './pages/AccountAdminPage';

export const accountRoutes: RouteObject[] = [{ path: 'account', element: <AccountAdminPage /> }];

export const accountNav: NavItem[] = [{ to: '/account', label: 'Account' }];
