// Every API call of guided sessions (runner and history). Components use these hooks only.

import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';

import {
  sessionsCompleteSession,
  sessionsCreateSession,
  sessionsExportSession,
  sessionsGoBack,
  sessionsRecordStep,
  sessionsStartSession,
  sessionsUpdateSession,
  type Outcome,
  type SessionRead,
  type SessionStatus,
  type SessionSummary,
} from '../../client';
import {
  sessionsListSessionsInfiniteOptions,
  sessionsListSessionsQueryKey,
  sessionsReadSessionOptions,
  sessionsReadSessionQueryKey,
  treesReadTreeOptions,
} from '../../client/@tanstack/react-query.gen';
import { isApiError } from '../../lib/api/errors';
import { allItems, cursorList, cursorPaging } from '../../lib/api/query';
import { useSingleFlight } from '../../lib/guards/hooks';

export type { Outcome, SessionRead, SessionStatus, SessionSummary, Variable } from '../../client';

export type HistoryTab = 'mine' | 'assigned' | 'all';

export interface HistoryFilters {
  tab: HistoryTab;
  status: SessionStatus | '';
  outcome: Outcome | '';
  treeId: string;
  from: string; // yyyy-mm-dd
  to: string;
  q: string;
}

export const EMPTY_HISTORY: HistoryFilters = {
  tab: 'mine',
  status: '',
  outcome: '',
  treeId: '',
  from: '',
  to: '',
  q: '',
};

/** Local midnight of a yyyy-mm-dd date, as an ISO instant; `endOfDay` for the "to" bound. */
export function dayBound(date: string, endOfDay: boolean): string | null {
  if (!date) return null;
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return null;
  const at = endOfDay ? new Date(y, m - 1, d + 1) : new Date(y, m - 1, d);
  if (endOfDay) at.setMilliseconds(-1);
  return at.toISOString();
}

const historyItems = (data: InfiniteData<{ items: SessionSummary[] }>) => allItems(data);

/** Session history for these filters, page by page; each filter set is its own query. */
export function useSessionHistory(filters: HistoryFilters) {
  const history = useInfiniteQuery({
    ...sessionsListSessionsInfiniteOptions({
      query: {
        tab: filters.tab,
        status: filters.status || null,
        outcome: filters.outcome || null,
        tree_id: filters.treeId || null,
        created_from: dayBound(filters.from, false),
        created_to: dayBound(filters.to, true),
        q: filters.q.trim() || null,
        limit: 25,
      },
    }),
    ...cursorPaging,
    select: historyItems,
  });
  return cursorList(history);
}

/** Of two answers for the same session, the one with the higher revision is the newer. */
export function newerSession(old: unknown, fresh: unknown): unknown {
  const a = old as SessionRead | undefined;
  const b = fresh as SessionRead | undefined;
  return a && b && a.id === b.id && a.revision > b.revision ? a : fresh;
}

export function useSession(sessionId: string) {
  return useQuery({
    ...sessionsReadSessionOptions({ path: { session_id: sessionId } }),
    staleTime: 0,
    // A read that left before a step was recorded must not bring the older state back.
    structuralSharing: newerSession,
  });
}

/** The variables a tree asks at start (from its published version), for the intake form. */
export function useTreeForStart(treeId: string) {
  return useQuery(treesReadTreeOptions({ path: { tree_id: treeId } }));
}

/** A session changed: its answer goes into the cache (the page shows the new state at once) and
 * the history lists ask again when next shown. */
function useSessionChanged() {
  const queryClient = useQueryClient();
  return (session: SessionRead) => {
    queryClient.setQueryData(
      sessionsReadSessionQueryKey({ path: { session_id: session.id } }),
      (old) => newerSession(old, session) as SessionRead,
    );
    void queryClient.invalidateQueries({ queryKey: sessionsListSessionsQueryKey() });
  };
}

/** Each change answers the whole session. */
function useSessionMutation<V>(
  sessionId: string,
  call: (vars: V, session: SessionRead | undefined) => Promise<SessionRead>,
) {
  const queryClient = useQueryClient();
  const sessionChanged = useSessionChanged();
  const key = sessionsReadSessionQueryKey({ path: { session_id: sessionId } });
  return useMutation({
    mutationFn: async (vars: V) => {
      await queryClient.cancelQueries({ queryKey: key }); // a read in flight would be older
      return call(vars, queryClient.getQueryData<SessionRead>(key));
    },
    onSuccess: sessionChanged,
    onError: (error) => {
      // Someone else changed it (another tab): show what it is now.
      if (isApiError(error, 409)) void queryClient.invalidateQueries({ queryKey: key });
    },
  });
}

export function useStartSession() {
  const sessionChanged = useSessionChanged();
  return useMutation({
    mutationFn: async (body: { treeId: string; variables?: Record<string, unknown> }) =>
      (
        await sessionsCreateSession({
          body: { tree_id: body.treeId, variables: body.variables ?? {} },
          throwOnError: true,
        })
      ).data,
    // The library's "used" counts follow on its next fetch (staleTime): refetching the trees now
    // would race the runner's first paint for nothing.
    onSuccess: sessionChanged,
  });
}

export function useStartPrepared(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async (variables: Record<string, unknown>, s) =>
      (
        await sessionsStartSession({
          path: { session_id: sessionId },
          body: { variables, base_revision: s?.revision ?? null },
          throwOnError: true,
        })
      ).data,
  );
}

export function useAnswer(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async (optionId: string, s) =>
      (
        await sessionsRecordStep({
          path: { session_id: sessionId },
          body: { option_id: optionId, base_revision: s?.revision ?? null },
          throwOnError: true,
        })
      ).data,
  );
}

export function useGoBack(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async (pathIndex: number, s) =>
      (
        await sessionsGoBack({
          path: { session_id: sessionId },
          body: { path_index: pathIndex, base_revision: s?.revision ?? null },
          throwOnError: true,
        })
      ).data,
  );
}

export function useUpdateSession(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async (body: { notes?: string; variables?: Record<string, unknown> }, s) =>
      (
        await sessionsUpdateSession({
          path: { session_id: sessionId },
          body: { ...body, base_revision: s?.revision ?? 1 },
          throwOnError: true,
        })
      ).data,
  );
}

export function useCompleteSession(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async (body: { outcome: Outcome; resolution_note?: string }, s) =>
      (
        await sessionsCompleteSession({
          path: { session_id: sessionId },
          body: { ...body, base_revision: s?.revision ?? null },
          throwOnError: true,
        })
      ).data,
  );
}

export type ExportFormat = 'pdf' | 'markdown' | 'json';

/** The transcript file (sent with the bearer token like every call), and its name. */
export async function exportSession(
  sessionId: string,
  format: ExportFormat,
): Promise<{ blob: Blob; filename: string }> {
  const { data, response } = await sessionsExportSession({
    path: { session_id: sessionId },
    body: { format },
    parseAs: 'blob',
    throwOnError: true,
  });
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const filename =
    /filename="([^"]+)"/.exec(disposition)?.[1] ??
    `session-${sessionId.slice(0, 8)}.${format === 'markdown' ? 'md' : format}`;
  return { blob: data as unknown as Blob, filename };
}

export function useExportSession(sessionId: string) {
  return useMutation({ mutationFn: (format: ExportFormat) => exportSession(sessionId, format) });
}

/** Starts a session on a tree and opens the runner; a tree that asks intake values first
 * opens its intake form instead. One start however often it is pressed. */
export function useRunTree() {
  const start = useStartSession();
  const navigate = useNavigate();
  const flight = useSingleFlight(async (treeId: string) => {
    try {
      const session = await start.mutateAsync({ treeId });
      void navigate(`/sessions/${session.id}`);
    } catch (error) {
      if (isApiError(error, 422) && error.errors.some((e) => e.field?.startsWith('variables.'))) {
        start.reset();
        void navigate(`/trees/${treeId}/run`);
        return;
      }
      throw error;
    }
  });
  return { run: flight.run, busy: flight.busy, error: start.error };
}
