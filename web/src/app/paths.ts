/** Where a signed-in user lands: the tree library. */
export const HOME_PATH = '/trees';

export const SIGN_IN_PATH = '/sign-in';

export interface NavItem {
  to: string;
  label: string;
}

/** The `next` query parameter if it is a path of this app (never another site), else home. */
export function safeNextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return HOME_PATH;
  return next;
}

/** A tree's start screen: its title, intake and first question; no session exists yet. */
export const startPath = (treeId: string) => `/trees/${treeId}/start`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids of trees and sessions are uuids: anything else in an address names nothing. */
export const isUuid = (value: string) => UUID.test(value);
