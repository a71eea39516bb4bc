// A session run on the device (`/field/:sessionId`), with or without a connection: the step,
// its answers, a note, photos, completion at an end node, and what waits to be synced.

import { useRef, useState } from 'react';
import { Link, useParams } from 'react-router';

import { isUuid } from '../../../app/paths';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { NOT_FOUND, NotFound } from '../../../ui/NotFound';
import { Loading, usePageTitle } from '../../../ui/page';
import { ACCEPT } from '../../attachments/components/Attachments';
import { OptionButtons } from '../../sessions/components/Options';
import { OUTCOME_LABEL } from '../../sessions/labels';
import { answerOffline, attachOffline, completeOffline } from '../actions';
import type { CachedTree, LocalSession } from '../db';
import { useCachedTree, useLocalSession, useOnline, useQueue } from '../hooks';
import { interpolate, nodeOf, runsOffline, TERMINAL } from '../navigate';
import { LocalPhotos } from '../components/LocalPhotos';
import { QueueList } from '../components/QueueList';

export function FieldRunnerPage() {
  const { sessionId = '' } = useParams();
  if (!isUuid(sessionId)) return <NotFound {...NOT_FOUND.session} />;
  return <FieldSession sessionId={sessionId} />;
}

function FieldSession({ sessionId }: { sessionId: string }) {
  const session = useLocalSession(sessionId);
  const tree = useCachedTree(session?.tree_id ?? '');
  usePageTitle(session?.tree_title ?? 'Session');
  if (session === undefined || (session && tree === undefined)) return <Loading label="Opening the session…" />;
  if (session === null || tree === null || tree === undefined) return <NotFound {...NOT_FOUND.session} />;
  return <FieldRunner session={session} tree={tree} />;
}

function FieldRunner({ session, tree }: { session: LocalSession; tree: CachedTree }) {
  const online = useOnline();
  const queue = useQueue().filter((i) => i.session_id === session.id);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const node = nodeOf(tree.graph, session.current);
  const act = useSingleFlight(async (change: () => Promise<unknown>) => {
    setError(null);
    try {
      await change();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  });
  const values = session.variables;
  const running = session.status === 'in_progress';
  const synced = session.synced && queue.length === 0;
  return (
    <div className="runner field-runner">
      <p className="runner-tree muted">
        {session.tree_title} · v{session.version_number} · {online ? 'online' : 'offline'}, on this device
      </p>
      {running && node && runsOffline(node) ? (
        <section className="node-card" aria-labelledby="node-title">
          <p className="node-kind">{node.kind}</p>
          <h1 id="node-title" className="node-title">
            {interpolate(node.title, values)}
          </h1>
          {node.body && <p className="pre-wrap">{interpolate(node.body, values)}</p>}
          <FormErrors messages={error ? [error] : []} />
          <OptionButtons
            options={(node.options ?? []).map((o) => ({ id: o.id, label: interpolate(o.label, values) }))}
            suggested={null}
            busy={act.busy}
            onChoose={(optionId) =>
              act.run(async () => {
                await answerOffline(session, tree, optionId, note.trim() || null);
                setNote('');
              })
            }
          />
          {TERMINAL.has(node.kind) && (
            <button
              type="button"
              className="button primary"
              aria-disabled={act.busy || undefined}
              onClick={() => act.run(() => completeOffline(session, tree))}
            >
              Complete: {OUTCOME_LABEL[node.kind === 'solution' ? 'resolved' : 'escalated']}
            </button>
          )}
          <label className="field">
            <span>Note on this step</span>
            <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={5000} />
          </label>
          <label className="button file-add">
            Add photo or PDF
            <input
              ref={fileInput}
              type="file"
              accept={ACCEPT}
              className="visually-hidden"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file)
                  act.run(async () => {
                    await attachOffline(session, file, file.name);
                    if (fileInput.current) fileInput.current.value = '';
                  });
              }}
            />
          </label>
        </section>
      ) : running ? (
        <section className="node-card">
          <h1>This step needs a connection</h1>
          <p>
            It is decided by the server (intake rules or another tree). The session continues once you are back online
            and it has synced.
          </p>
          {synced && (
            <Link className="button primary" to={`/sessions/${session.id}`}>
              Continue online
            </Link>
          )}
        </section>
      ) : (
        <section className="node-card">
          <h1>Session complete</h1>
          {session.outcome && (
            <p className={`outcome outcome-${session.outcome}`}>Outcome: {OUTCOME_LABEL[session.outcome]}</p>
          )}
        </section>
      )}
      <QueueList items={queue} />
      {synced && (
        <p>
          <Link to={`/sessions/${session.id}`}>Open it in the history</Link>
        </p>
      )}
      {session.steps.length > 0 && (
        <section className="card" aria-label="Path taken">
          <h2>Path taken</h2>
          <ol className="path-list">
            {session.steps.map((s) => (
              <li key={s.client_id}>
                <strong>{s.title}</strong> <span className="muted">→ {s.answer_label}</span>
                {s.note && <p className="pre-wrap step-note-text">Note: {s.note}</p>}
              </li>
            ))}
          </ol>
        </section>
      )}
      <section className="card" aria-label="Photos and files">
        <h2>Photos and files</h2>
        {session.photos.length === 0 && <p className="muted">None yet.</p>}
        <LocalPhotos photos={session.photos} />
      </section>
    </div>
  );
}
