// Sends the queue when there is a connection: per session, in the order things were done,
// events in batches (`POST sessions/sync`, which records each client id once) and photos one by
// one (`POST sessions/{id}/attachments` with their client id). Sent twice (a lost answer, two
// tabs), nothing is recorded twice. An entry the server refuses (the session changed elsewhere,
// the tree was unpublished, a file it does not take) is marked a conflict and kept, with the
// server's code and message, and that session's later entries wait behind it; nothing is
// dropped. One sync runs at a time across the tabs (Web Locks).

import { sessionsSyncSession, type SyncEventResult } from '../../client';
import { isApiError } from '../../lib/api/errors';
import { uploadAttachment } from '../attachments/hooks';
import { listQueue, markConflict, markSynced, type Problem, type QueueItem, removeQueued } from './db';

const BATCH = 50;

class Offline extends Error {}

function problemOf(error: unknown): Problem {
  if (isApiError(error)) return { code: error.code, message: error.message };
  throw new Offline();
}

async function sendBatch(sessionId: string, items: QueueItem[]): Promise<boolean> {
  const create = items.find((i) => i.kind === 'create');
  const events = items.filter((i): i is QueueItem & { kind: 'event' } => i.kind === 'event');
  let answer: Awaited<ReturnType<typeof sessionsSyncSession<true>>>['data'];
  try {
    ({ data: answer } = await sessionsSyncSession({
      body: {
        session_id: sessionId,
        create: create?.kind === 'create' ? create.create : null,
        events: events.map((i) => i.event),
      },
      throwOnError: true,
    }));
  } catch (error) {
    const problem = problemOf(error);
    const first = items[0];
    if (first?.id !== undefined) await markConflict(first.id, problem);
    return false;
  }
  const done: number[] = [];
  let ok = true;
  const settle = async (item: QueueItem | undefined, result: SyncEventResult | null | undefined) => {
    if (!item?.id || !result) return;
    if (result.status === 'applied' || result.status === 'duplicate') done.push(item.id);
    else if (result.status !== 'skipped' && ok) {
      ok = false;
      await markConflict(item.id, { code: result.code ?? result.status, message: result.message ?? result.status });
    }
  };
  await settle(create, answer.created);
  for (const [i, item] of events.entries()) await settle(item, answer.results[i]);
  await removeQueued(done);
  return ok;
}

async function sendPhoto(item: QueueItem & { kind: 'photo' }): Promise<boolean> {
  const { photo } = item;
  try {
    await uploadAttachment(item.session_id, photo.blob, photo.filename, {
      clientId: photo.client_id,
      nodeId: photo.node_id,
    });
  } catch (error) {
    if (item.id !== undefined) await markConflict(item.id, problemOf(error));
    return false;
  }
  if (item.id !== undefined) await removeQueued([item.id]);
  return true;
}

/** One session's entries in order; false when one is (or becomes) a conflict. */
async function syncSession(sessionId: string, items: QueueItem[]): Promise<boolean> {
  let rest = items;
  while (rest.length > 0) {
    const first = rest[0] as QueueItem;
    if (first.state === 'conflict') return false;
    if (first.kind === 'photo') {
      if (!(await sendPhoto(first))) return false;
      rest = rest.slice(1);
      continue;
    }
    let n = 0;
    while (n < rest.length && n < BATCH && rest[n]?.kind !== 'photo' && rest[n]?.state === 'pending') n += 1;
    if (!(await sendBatch(sessionId, rest.slice(0, n)))) return false;
    rest = rest.slice(n);
  }
  await markSynced(sessionId);
  return true;
}

async function syncOnce(): Promise<void> {
  const bySession = new Map<string, QueueItem[]>();
  for (const item of await listQueue()) {
    bySession.set(item.session_id, [...(bySession.get(item.session_id) ?? []), item]);
  }
  try {
    for (const [sessionId, items] of bySession) await syncSession(sessionId, items);
  } catch (error) {
    if (!(error instanceof Offline)) throw error;
  }
}

let running: Promise<void> | null = null;

/** Sends what waits, unless a sync already runs (in this tab or another). */
export function syncNow(): Promise<void> {
  if (typeof navigator !== 'undefined' && !navigator.onLine) return Promise.resolve();
  running ??= (async () => {
    try {
      if (typeof navigator !== 'undefined' && navigator.locks)
        await navigator.locks.request('troubletree-sync', syncOnce);
      else await syncOnce();
    } finally {
      running = null;
    }
  })();
  return running;
}
