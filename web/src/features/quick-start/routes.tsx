import type { RouteObject } from 'react-router';

import type { NavItem } from '../../app/paths';
import { QuickStartPage } from './pages/QuickStartPage';

export const quickStartRoutes: RouteObject[] = [{ path: 'start', element: <QuickStartPage /> }];

export const quickStartNav: NavItem[] = [{ to: '/start', label: 'Quick start' }];
