/** A tree's analytics page. */
export const insightsPath = (treeId: string) => `/trees/${treeId}/insights`;

/** The account's analytics overview. */
export const insightsOverviewPath = '/insights';

export const editPath = (treeId: string) => `/trees/${treeId}/edit`;
