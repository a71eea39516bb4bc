// The embeddable runner: /embed/<account slug>/... shows pages without the app's navigation,
// inside another product's page (framing allowed per account by the server's CSP). Pages that
// lead elsewhere ask `useAppPath` so they stay inside the embed.

import { createContext, useContext } from 'react';
import { Outlet, useParams } from 'react-router';

const EmbedBase = createContext('');

/** `path` (an app path such as `/sessions/<id>`) inside the current embed, if any. */
export function useAppPath(): (path: string) => string {
  const base = useContext(EmbedBase);
  return (path) => `${base}${path}`;
}

export function EmbedLayout() {
  const { accountSlug = '' } = useParams();
  return (
    <EmbedBase.Provider value={`/embed/${encodeURIComponent(accountSlug)}`}>
      <main className="embed-main" id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </EmbedBase.Provider>
  );
}
