// Every API call of guided sessions (runner and history). Components use these hooks only.

import { type InfiniteData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  sessionsAbandonSession,
  sessionsCompleteSession,
  sessionsCreateSession,
  sessionsExportSession,
  sessionsGoBack,
  sessionsNoteStep,
  sessionsRecordStep,
  sessionsStartSession,
  sessionsUpdateSession,
  type Outcome,
  type AbandonReason,
  type SessionComplete,
  type SessionRead,
  type SessionStatus,
  type SessionSummary,
} from '../../client';
import {
  sessionsListOutcomeLabelsOptions,
  sessionsListSessionsInfiniteOptions,
  sessionsListSessionsQueryKey,
  sessionsReadSessionOptions,
  sessionsReadSessionQueryKey,
  sessionsReadTreeStartOptions,
} from '../../client/@tanstack/react-query.gen';
import { isApiError } from '../../lib/api/errors';
import { allItems, cursorList, cursorPaging } from '../../lib/api/query';
import type { FilterSpec } from '../../lib/lists/urlFilters';

export type {
  AbandonReason,
  Outcome,
  SessionRead,
  SessionStatus,
  SessionSummary,
  TreeStartScreen,
  Variable,
} from '../../client';

export type HistoryTab = 'mine' | 'assigned' | 'all';

/** The history's filters, as the address holds them (`/sessions?tab=all&q=INC-1234`). */
export interface HistoryFilters extends Record<string, string> {
  tab: HistoryTab;
  status: SessionStatus | '';
  outcome: Outcome | '';
  /** An author's outcome label ("Replaced toner"). */
  label: string;
  tree: string;
  from: string; // yyyy-mm-dd
  to: string;
  q: string;
  /** '1': include sessions started and never answered. */
  unanswered: '' | '1';
}

export const HISTORY_SPEC: FilterSpec<HistoryFilters> = {
  tab: ['mine', 'assigned', 'all'],
  status: ['prepared', 'in_progress', 'completed', 'abandoned'],
  outcome: ['resolved', 'escalated', 'unresolved'],
  label: 'text',
  tree: 'uuid',
  from: 'date',
  to: 'date',
  q: 'text',
  unanswered: 'flag',
};

/** Where the history opens: admins and engineers on the team's sessions, technicians on theirs. */
export function historyDefaults(seesTeam: boolean): HistoryFilters {
  return {
    tab: seesTeam ? 'all' : 'mine',
    status: '',
    outcome: '',
    label: '',
    tree: '',
    from: '',
    to: '',
    q: '',
    unanswered: '',
  };
}

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
export function useSessionHistory(filters: HistoryFilters, enabled = true) {
  const query = {
    tab: filters.tab,
    status: filters.status || null,
    outcome: filters.outcome || null,
    tree_id: filters.tree || null,
    created_from: dayBound(filters.from, false),
    created_to: dayBound(filters.to, true),
    q: filters.q.trim() || null,
    outcome_label: filters.label || null,
    include_unanswered: filters.unanswered === '1',
    limit: 25,
  };
  const history = useInfiniteQuery({
    ...sessionsListSessionsInfiniteOptions({ query }),
    ...cursorPaging,
    select: historyItems,
    enabled,
  });
  return cursorList(history);
}

/** The outcome labels the account's sessions carry (for the history filter). */
export function useOutcomeLabels() {
  return useQuery({ ...sessionsListOutcomeLabelsOptions(), staleTime: 60_000 });
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

/** A tree's start screen (title, description, intake, first question): reading it creates
 * nothing. */
export function useTreeStart(treeId: string) {
  return useQuery(sessionsReadTreeStartOptions({ path: { tree_id: treeId } }));
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

/** Creates a session, with its first answer when one was given (the start screen). */
export function useStartSession() {
  const sessionChanged = useSessionChanged();
  return useMutation({
    // One request: the session and its first answer are written together, or neither is.
    mutationFn: async (body: {
      treeId: string;
      variables?: Record<string, unknown>;
      answer?: { option_id: string; note?: string } | undefined;
    }) =>
      (
        await sessionsCreateSession({
          body: { tree_id: body.treeId, variables: body.variables ?? {}, answer: body.answer ?? null },
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

/** An answer at the current step, with the technician's note on it if they wrote one. */
export function useAnswer(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async ({ optionId, note }: { optionId: string; note?: string | undefined }, s) =>
      (
        await sessionsRecordStep({
          path: { session_id: sessionId },
          body: { option_id: optionId, ...(note ? { note } : {}), base_revision: s?.revision ?? null },
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

/** The note on one step of the path (`step_seq`), kept with the transcript. */
export function useNoteStep(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async ({ seq, note }: { seq: number; note: string }) =>
      (await sessionsNoteStep({ path: { session_id: sessionId, seq }, body: { note }, throwOnError: true })).data,
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
    async (body: { outcome: Outcome; resolution_note?: string | undefined; outcome_label?: string | undefined }, s) => {
      // The label only when one was chosen.
      const { outcome_label, ...rest } = body;
      const payload: SessionComplete = {
        ...rest,
        ...(outcome_label ? { outcome_label } : {}),
        base_revision: s?.revision ?? null,
      };
      return (await sessionsCompleteSession({ path: { session_id: sessionId }, body: payload, throwOnError: true }))
        .data;
    },
  );
}

export function useAbandonSession(sessionId: string) {
  return useSessionMutation(
    sessionId,
    async (body: { reason: AbandonReason; note?: string | undefined }, s) =>
      (
        await sessionsAbandonSession({
          path: { session_id: sessionId },
          body: { reason: body.reason, note: body.note ?? null, base_revision: s?.revision ?? null },
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
