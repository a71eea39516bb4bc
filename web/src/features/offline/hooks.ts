// The device's offline state for components: online or not, the cached trees, the local
// sessions and the queue, read again whenever any of them changes.

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';

import { treesReadTree } from '../../client';
import { sessionsListSessionsQueryKey } from '../../client/@tanstack/react-query.gen';
import {
  type CachedTree,
  getLocalSession,
  getTree,
  type LocalSession,
  listLocalSessions,
  listQueue,
  offlineChanges,
  type QueueItem,
  saveTree,
} from './db';
import { syncNow } from './sync';

function subscribeOnline(notify: () => void) {
  window.addEventListener('online', notify);
  window.addEventListener('offline', notify);
  return () => {
    window.removeEventListener('online', notify);
    window.removeEventListener('offline', notify);
  };
}

export function useOnline(): boolean {
  return useSyncExternalStore(
    subscribeOnline,
    () => navigator.onLine,
    () => true,
  );
}

/** `read()`'s value, read again after every offline write; undefined while the first read runs. */
function useOfflineValue<T>(read: () => Promise<T>): T | undefined {
  const [value, setValue] = useState<T>();
  useEffect(() => {
    let live = true;
    const load = () => {
      read().then(
        (v) => live && setValue(v),
        () => undefined,
      );
    };
    load();
    offlineChanges.addEventListener('change', load);
    return () => {
      live = false;
      offlineChanges.removeEventListener('change', load);
    };
  }, [read]);
  return value;
}

export function useLocalSession(id: string): LocalSession | null | undefined {
  const read = useCallback(async () => (await getLocalSession(id)) ?? null, [id]);
  return useOfflineValue(read);
}

export function useCachedTree(treeId: string): CachedTree | null | undefined {
  const read = useCallback(async () => (await getTree(treeId)) ?? null, [treeId]);
  return useOfflineValue(read);
}

export function useQueue(): QueueItem[] {
  return useOfflineValue(listQueue) ?? [];
}

export function useLocalSessions(): LocalSession[] {
  return useOfflineValue(listLocalSessions) ?? [];
}

/** Keeps the published version of a tree opened online on the device, for working offline. */
export function useKeepTreeOffline(treeId: string, enabled: boolean) {
  useEffect(() => {
    if (!enabled) return;
    void (async () => {
      const { data } = await treesReadTree({ path: { tree_id: treeId } });
      const version = data?.published;
      if (!data || !version || data.status !== 'published') return;
      await saveTree({
        tree_id: data.id,
        title: data.title,
        description: data.description,
        version_id: version.id,
        version_number: version.number,
        graph: version.graph,
        cached_at: new Date().toISOString(),
      });
    })().catch(() => undefined); // best effort: the tree simply is not kept
  }, [treeId, enabled]);
}

/** Sends the queue now, whenever the connection returns or something is queued, and every
 * 20 s; the history is asked again after each sync. */
export function useSyncLoop() {
  const queryClient = useQueryClient();
  const online = useOnline();
  useEffect(() => {
    const run = () => {
      void syncNow().then(() => queryClient.invalidateQueries({ queryKey: sessionsListSessionsQueryKey() }));
    };
    if (online) run();
    offlineChanges.addEventListener('change', run);
    const timer = window.setInterval(run, 20_000);
    return () => {
      offlineChanges.removeEventListener('change', run);
      window.clearInterval(timer);
    };
  }, [online, queryClient]);
}
