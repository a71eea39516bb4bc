import type { RouteObject } from 'react-router';

import type { NavItem } from '../../app/paths';
import { TreeLibraryPage } from './pages/TreeLibraryPage';

export const treeRoutes: RouteObject[] = [{ path: 'trees', element: <TreeLibraryPage /> }];

export const treeNav: NavItem[] = [{ to: '/trees', label: 'Library' }];
