// What the device keeps for working without a connection (IndexedDB through `idb`): the
// published trees opened while online, the sessions run on the device, and the queue of what
// waits to be sent (in order, each with its client-generated id). Every write announces itself
// on `offlineChanges`, so the pages showing it read again.

import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

import type { Graph, SyncAbandon, SyncComplete, SyncCreate, SyncNote, SyncStep } from '../../client';

export interface CachedTree {
  tree_id: string;
  title: string;
  description: string;
  version_id: string;
  version_number: number;
  graph: Graph;
  cached_at: string;
}

export interface LocalStep {
  client_id: string;
  node_id: string;
  title: string;
  option_id: string;
  answer_label: string;
  note: string | null;
  at: string;
}

export interface LocalPhoto {
  client_id: string;
  node_id: string;
  filename: string;
  blob: Blob;
  at: string;
}

export interface LocalSession {
  id: string;
  tree_id: string;
  version_id: string;
  version_number: number;
  tree_title: string;
  variables: Record<string, unknown>;
  steps: LocalStep[];
  photos: LocalPhoto[];
  /** The node the technician stands on. */
  current: string;
  status: 'in_progress' | 'completed';
  outcome: 'resolved' | 'escalated' | 'unresolved' | null;
  created_at: string;
  updated_at: string;
  /** Everything queued for it has reached the server. */
  synced: boolean;
}

export type SyncEvent = SyncStep | SyncNote | SyncComplete | SyncAbandon;

export type QueueBody =
  | { kind: 'create'; create: SyncCreate }
  | { kind: 'event'; event: SyncEvent }
  | { kind: 'photo'; photo: LocalPhoto };

export interface Problem {
  /** The server's code: `session_changed`, `tree_unpublished`, `unsupported_file_type`, ... */
  code: string;
  message: string;
}

export type QueueItem = QueueBody & {
  id?: number;
  session_id: string;
  /** pending: waits to be sent; conflict: the server refused it (kept, shown, never dropped). */
  state: 'pending' | 'conflict';
  problem?: Problem;
  queued_at: string;
};

interface OfflineSchema extends DBSchema {
  trees: { key: string; value: CachedTree };
  sessions: { key: string; value: LocalSession };
  queue: { key: number; value: QueueItem; indexes: { by_session: string } };
}

const DB_NAME = 'troubletree-offline';
let opened: Promise<IDBPDatabase<OfflineSchema>> | null = null;

function db(): Promise<IDBPDatabase<OfflineSchema>> {
  opened ??= openDB<OfflineSchema>(DB_NAME, 1, {
    upgrade(database) {
      database.createObjectStore('trees', { keyPath: 'tree_id' });
      database.createObjectStore('sessions', { keyPath: 'id' });
      const queue = database.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
      queue.createIndex('by_session', 'session_id');
    },
  });
  return opened;
}

/** Fired after every write. */
export const offlineChanges = new EventTarget();
const changed = () => offlineChanges.dispatchEvent(new Event('change'));

export async function saveTree(tree: CachedTree): Promise<void> {
  await (await db()).put('trees', tree);
  changed();
}

export async function getTree(treeId: string): Promise<CachedTree | undefined> {
  return (await db()).get('trees', treeId);
}

export async function getLocalSession(id: string): Promise<LocalSession | undefined> {
  return (await db()).get('sessions', id);
}

export async function listLocalSessions(): Promise<LocalSession[]> {
  return (await db()).getAll('sessions');
}

/** Saves the session and queues what it produced, in one transaction (both or neither). */
export async function saveAndQueue(session: LocalSession, bodies: QueueBody[]): Promise<void> {
  const tx = (await db()).transaction(['sessions', 'queue'], 'readwrite');
  const now = new Date().toISOString();
  await Promise.all([
    tx.objectStore('sessions').put({ ...session, synced: false, updated_at: now }),
    ...bodies.map((body) =>
      tx.objectStore('queue').add({ ...body, session_id: session.id, state: 'pending', queued_at: now }),
    ),
    tx.done,
  ]);
  changed();
}

export async function listQueue(): Promise<QueueItem[]> {
  return (await db()).getAll('queue'); // in key order: the order things were done
}

export async function removeQueued(ids: number[]): Promise<void> {
  const tx = (await db()).transaction('queue', 'readwrite');
  await Promise.all([...ids.map((id) => tx.store.delete(id)), tx.done]);
  changed();
}

export async function markConflict(id: number, problem: Problem): Promise<void> {
  const database = await db();
  const item = await database.get('queue', id);
  if (!item) return;
  await database.put('queue', { ...item, state: 'conflict', problem });
  changed();
}

export async function markSynced(sessionId: string): Promise<void> {
  const database = await db();
  const session = await database.get('sessions', sessionId);
  if (!session) return;
  await database.put('sessions', { ...session, synced: true });
  changed();
}
