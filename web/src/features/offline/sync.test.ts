// The queue's sync against a stubbed API, on a real IndexedDB implementation (fake-indexeddb):
// entries go in order, events batched and photos between them; accepted entries leave the
// queue; a refused one stays, marked with the server's code, and what follows waits; no
// connection leaves everything as it was.

import 'fake-indexeddb/auto';

import { beforeEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../lib/api/errors';

const calls: string[] = [];
const syncAnswers: unknown[] = [];
let uploadFails: unknown = null;

vi.mock('../../client', () => ({
  sessionsSyncSession: vi.fn(async ({ body }: { body: { create: unknown; events: { client_id: string }[] } }) => {
    calls.push(`sync:${body.create ? 'create+' : ''}${body.events.length}`);
    const answer = syncAnswers.shift();
    if (answer instanceof Error) throw answer;
    return { data: answer };
  }),
}));
vi.mock('../attachments/hooks', () => ({
  uploadAttachment: vi.fn(async (_session: string, _blob: Blob, filename: string) => {
    calls.push(`photo:${filename}`);
    if (uploadFails) throw uploadFails;
    return {};
  }),
}));

const { startOffline, answerOffline, attachOffline, completeOffline } = await import('./actions');
const { getLocalSession, listQueue, saveTree } = await import('./db');
const { syncNow } = await import('./sync');

const tree = {
  tree_id: 't1',
  title: 'Boiler',
  description: '',
  version_id: 'v1',
  version_number: 1,
  cached_at: '',
  graph: {
    start: 'q1',
    nodes: [
      { id: 'q1', kind: 'question' as const, title: 'Low?', options: [{ id: 'y', label: 'Yes', next: 's1' }] },
      { id: 's1', kind: 'solution' as const, title: 'Fixed' },
    ],
  },
};

const applied = (n: number) => Array.from({ length: n }, () => ({ status: 'applied' }));

async function queuedSession() {
  await saveTree(tree);
  let session = await startOffline(tree, {});
  session = await answerOffline(session, tree, 'y', 'gauge at 0.4');
  session = await attachOffline(session, new Blob(['x'], { type: 'image/jpeg' }), 'gauge.jpg');
  session = await completeOffline(session, tree);
  return session;
}

beforeEach(async () => {
  calls.length = 0;
  syncAnswers.length = 0;
  uploadFails = null;
  for (const item of await listQueue()) {
    const { removeQueued } = await import('./db');
    if (item.id !== undefined) await removeQueued([item.id]);
  }
});

describe('sync', () => {
  it('sends a session in the order it was run and empties the queue', async () => {
    const session = await queuedSession();
    syncAnswers.push({ created: { status: 'applied' }, results: applied(1) }, { created: null, results: applied(1) });

    await syncNow();

    expect(calls).toEqual(['sync:create+1', 'photo:gauge.jpg', 'sync:1']);
    expect(await listQueue()).toEqual([]);
    expect((await getLocalSession(session.id))?.synced).toBe(true);
  });

  it('keeps a refused entry with its code, and what follows waits behind it', async () => {
    const session = await queuedSession();
    syncAnswers.push({
      created: { status: 'applied' },
      results: [{ status: 'conflict', code: 'session_changed', message: 'The session moved on elsewhere.' }],
    });

    await syncNow();

    const queue = await listQueue();
    expect(queue.map((i) => [i.kind, i.state])).toEqual([
      ['event', 'conflict'],
      ['photo', 'pending'],
      ['event', 'pending'],
    ]);
    expect(queue[0]?.problem).toEqual({ code: 'session_changed', message: 'The session moved on elsewhere.' });
    expect((await getLocalSession(session.id))?.synced).toBe(false);
    // Later syncs do not send past the conflict.
    calls.length = 0;
    await syncNow();
    expect(calls).toEqual([]);
  });

  it('marks a refused photo and keeps it', async () => {
    await queuedSession();
    syncAnswers.push({ created: { status: 'applied' }, results: applied(1) });
    uploadFails = new ApiError(415, {
      detail: { code: 'unsupported_file_type', message: 'Only photos and PDFs.', field: 'file' },
    });

    await syncNow();

    const queue = await listQueue();
    expect(queue.map((i) => [i.kind, i.state, i.problem?.code])).toEqual([
      ['photo', 'conflict', 'unsupported_file_type'],
      ['event', 'pending', undefined],
    ]);
  });

  it('leaves everything queued when the server cannot be reached', async () => {
    await queuedSession();
    syncAnswers.push(new TypeError('Failed to fetch'));

    await syncNow();

    expect((await listQueue()).map((i) => i.state)).toEqual(['pending', 'pending', 'pending', 'pending']);
  });
});
