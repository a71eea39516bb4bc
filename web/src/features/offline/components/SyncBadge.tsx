import { Link } from 'react-router';

import { useOnline, useQueue, useSyncLoop } from '../hooks';

/** In the header: offline or not, what waits to be sent and the conflicts; keeps the sync going. */
export function SyncBadge() {
  useSyncLoop();
  const online = useOnline();
  const queue = useQueue();
  const waiting = queue.filter((i) => i.state === 'pending').length;
  const conflicts = queue.length - waiting;
  if (online && queue.length === 0) return null;
  const parts = [
    ...(online ? [] : ['Offline']),
    ...(waiting ? [`${waiting} waiting to sync`] : []),
    ...(conflicts ? [`${conflicts} ${conflicts === 1 ? 'conflict' : 'conflicts'}`] : []),
  ];
  return (
    <Link
      to="/field"
      className={`sync-badge${conflicts ? ' sync-conflict' : ''}${online ? '' : ' sync-offline'}`}
      role="status"
    >
      {parts.join(' · ')}
    </Link>
  );
}
