// `/field`: the sessions run on this device and what each still has to send.

import { Link } from 'react-router';

import { usePageTitle } from '../../../ui/page';
import { QueueList } from '../components/QueueList';
import { useLocalSessions, useOnline, useQueue } from '../hooks';

export function FieldListPage() {
  usePageTitle('On this device');
  const online = useOnline();
  const sessions = useLocalSessions();
  const queue = useQueue();
  const shown = sessions
    .filter((s) => !s.synced || queue.some((i) => i.session_id === s.id))
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  return (
    <>
      <h1>On this device</h1>
      <p className="muted">
        {online
          ? 'Online: changes are sent as they are made.'
          : 'Offline: changes wait here until you are back online.'}
      </p>
      {shown.length === 0 && <p>Nothing waits to be synced.</p>}
      <div className="stack">
        {shown.map((s) => (
          <section className="card" key={s.id}>
            <h2>
              <Link to={`/field/${s.id}`}>{s.tree_title}</Link>
            </h2>
            <p className="muted">
              Started {new Date(s.created_at).toLocaleString()} · {s.steps.length} answers · {s.photos.length} files
            </p>
            <QueueList items={queue.filter((i) => i.session_id === s.id)} />
          </section>
        ))}
      </div>
    </>
  );
}
