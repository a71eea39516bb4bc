import { useNavigate } from 'react-router';

import type { SessionRead } from '../../../client';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { continueOffline } from '../actions';
import { useCachedTree, useKeepTreeOffline, useOnline } from '../hooks';
import { nodeOf, runsOffline } from '../navigate';

/** In the online runner: keeps the tree on the device, and when the connection goes away
 * offers to go on on the device. */
export function ContinueOffline({ session }: { session: SessionRead }) {
  const online = useOnline();
  useKeepTreeOffline(session.tree_id, online);
  const tree = useCachedTree(session.tree_id);
  const navigate = useNavigate();
  const go = useSingleFlight(async () => {
    if (!tree) return;
    await continueOffline(session, tree);
    void navigate(`/field/${session.id}`);
  });
  if (online) return null;
  const current = session.current;
  const possible =
    !!tree &&
    !!current &&
    tree.version_id === session.tree_version_id &&
    runsOffline(nodeOf(tree.graph, current.node_id));
  return (
    <section className="card sync-state" aria-label="Offline">
      <h2>You are offline</h2>
      {possible ? (
        <>
          <p>Go on on this device: your answers are kept and sent once you are back online.</p>
          <button type="button" className="button primary" onClick={() => go.run()}>
            Continue on this device
          </button>
        </>
      ) : (
        <p>This session cannot go on without a connection here. It continues once you are back online.</p>
      )}
    </section>
  );
}
