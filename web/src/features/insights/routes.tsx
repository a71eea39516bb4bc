import type { RouteObject } from 'react-router';

// The analytics pages (and the chart library with them) are their own chunk, loaded only when
// an author opens one.
export const insightRoutes: RouteObject[] = [
  {
    path: 'trees/:treeId/insights',
    lazy: async () => {
      const { TreeInsightsPage } = await import('./pages/TreeInsightsPage');
      return { Component: TreeInsightsPage };
    },
  },
  {
    path: 'insights',
    lazy: async () => {
      const { InsightsOverviewPage } = await import('./pages/InsightsOverviewPage');
      return { Component: InsightsOverviewPage };
    },
  },
];
