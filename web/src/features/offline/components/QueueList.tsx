import type { QueueItem } from '../db';

function whatIs(item: QueueItem): string {
  if (item.kind === 'create') return 'Start of the session';
  if (item.kind === 'photo') return `File ${item.photo.filename}`;
  const e = item.event;
  if (e.type === 'step') return `Answer${e.note ? ' with a note' : ''}`;
  if (e.type === 'complete') return 'Completion';
  if (e.type === 'note') return 'Step note';
  return 'Abandon';
}

/** What one session still has to send, and what the server refused (kept with its reason). */
export function QueueList({ items }: { items: QueueItem[] }) {
  const conflicts = items.filter((i) => i.state === 'conflict');
  const waiting = items.length - conflicts.length;
  return (
    <section className="card sync-state" aria-label="Sync">
      <h2>Sync</h2>
      {items.length === 0 ? (
        <p role="status">Everything is synced.</p>
      ) : (
        <p role="status">
          {[
            ...(waiting ? [`${waiting} ${waiting === 1 ? 'change' : 'changes'} waiting to sync`] : []),
            ...(conflicts.length
              ? [`${conflicts.length} ${conflicts.length === 1 ? 'change' : 'changes'} not accepted by the server`]
              : []),
          ].join(', ')}
        </p>
      )}
      {conflicts.length > 0 && (
        <ul className="conflicts" aria-label="Conflicts">
          {conflicts.map((item) => (
            <li key={item.id} className="field-error">
              <strong>{whatIs(item)}</strong>: {item.problem?.message} <code>{item.problem?.code}</code>
              <br />
              <span className="muted">
                Kept on this device. Later changes of this session wait behind it; tell your dispatcher.
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
