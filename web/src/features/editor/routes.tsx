import type { RouteObject } from 'react-router';

// The editor (and React Flow with it) is its own chunk, loaded only when an author opens it:
// technicians' phones never download it.
export const editorRoutes: RouteObject[] = [
  {
    path: 'trees/:treeId/edit',
    lazy: async () => {
      const { TreeEditorPage } = await import('./pages/TreeEditorPage');
      return { Component: TreeEditorPage };
    },
  },
];
