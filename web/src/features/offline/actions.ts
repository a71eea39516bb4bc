// What a technician does on the device: each change is saved with the queue entry that will
// tell the server, in one IndexedDB transaction, under a client-generated id.

import type { SessionRead } from '../../client';
import { type CachedTree, type LocalSession, type QueueBody, saveAndQueue } from './db';
import { answer, interpolate, naturalOutcome, nodeOf } from './navigate';

const now = () => new Date().toISOString();

/** A session started on the device; the server learns of it with its first sync. */
export async function startOffline(tree: CachedTree, variables: Record<string, unknown>): Promise<LocalSession> {
  const start = tree.graph.start;
  if (!start) throw new Error('This tree has no start.');
  const session: LocalSession = {
    id: crypto.randomUUID(),
    tree_id: tree.tree_id,
    version_id: tree.version_id,
    version_number: tree.version_number,
    tree_title: tree.title,
    variables,
    steps: [],
    photos: [],
    current: start,
    status: 'in_progress',
    outcome: null,
    created_at: now(),
    updated_at: now(),
    synced: false,
  };
  await saveAndQueue(session, [
    {
      kind: 'create',
      create: { tree_id: tree.tree_id, version_id: tree.version_id, variables, occurred_at: session.created_at },
    },
  ]);
  return session;
}

export async function answerOffline(
  session: LocalSession,
  tree: CachedTree,
  optionId: string,
  note: string | null,
): Promise<LocalSession> {
  const node = nodeOf(tree.graph, session.current);
  const chosen = node ? answer(node, optionId) : null;
  if (!node || !chosen) throw new Error('That is not an answer of this step.');
  const step = {
    client_id: crypto.randomUUID(),
    node_id: node.id,
    title: interpolate(node.title, session.variables),
    option_id: optionId,
    answer_label: interpolate(chosen.label, session.variables),
    note,
    at: now(),
  };
  const next: LocalSession = { ...session, steps: [...session.steps, step], current: chosen.next };
  const body: QueueBody = {
    kind: 'event',
    event: {
      type: 'step',
      client_id: step.client_id,
      node_id: node.id,
      option_id: optionId,
      ...(note ? { note } : {}),
      occurred_at: step.at,
    },
  };
  await saveAndQueue(next, [body]);
  return next;
}

export async function attachOffline(session: LocalSession, file: Blob, filename: string): Promise<LocalSession> {
  const photo = { client_id: crypto.randomUUID(), node_id: session.current, filename, blob: file, at: now() };
  const next: LocalSession = { ...session, photos: [...session.photos, photo] };
  await saveAndQueue(next, [{ kind: 'photo', photo }]);
  return next;
}

export async function completeOffline(
  session: LocalSession,
  tree: CachedTree,
  ending: { outcome?: 'escalated' | 'unresolved'; resolution_note?: string } = {},
): Promise<LocalSession> {
  const outcome = ending.outcome ?? naturalOutcome(nodeOf(tree.graph, session.current));
  if (!outcome) throw new Error('End the session as escalated or unresolved, with a note.');
  const next: LocalSession = { ...session, status: 'completed', outcome };
  await saveAndQueue(next, [
    {
      kind: 'event',
      event: {
        type: 'complete',
        client_id: crypto.randomUUID(),
        node_id: session.current,
        occurred_at: now(),
        ...(ending.outcome ? { outcome: ending.outcome } : {}),
        ...(ending.resolution_note ? { resolution_note: ending.resolution_note } : {}),
      },
    },
  ]);
  return next;
}

/** A session running online goes on on the device (the connection went away): its answers so
 * far are shown from what the server said; only what is done from now on is queued. */
export async function continueOffline(session: SessionRead, tree: CachedTree): Promise<LocalSession> {
  const current = session.current;
  if (!current || tree.version_id !== session.tree_version_id) throw new Error('This session cannot go on offline.');
  const local: LocalSession = {
    id: session.id,
    tree_id: session.tree_id,
    version_id: session.tree_version_id,
    version_number: session.version_number,
    tree_title: session.tree_title,
    variables: session.variables,
    steps: session.path
      .filter((p) => p.option_id)
      .map((p) => ({
        client_id: `server-${p.step_seq}`,
        node_id: p.node_id,
        title: p.title,
        option_id: p.option_id ?? '',
        answer_label: p.answer_label ?? '',
        note: p.note,
        at: p.arrived_at,
      })),
    photos: [],
    current: current.node_id,
    status: 'in_progress',
    outcome: null,
    created_at: session.created_at,
    updated_at: now(),
    synced: false,
  };
  await saveAndQueue(local, []);
  return local;
}
