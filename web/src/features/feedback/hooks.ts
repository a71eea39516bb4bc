// Every API call of node feedback and change alerts. Components use these hooks only.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  feedbackAcknowledgeFeedback,
  feedbackCreateFeedback,
  feedbackDismissChangeAlert,
  feedbackReplyToFeedback,
  feedbackResolveFeedback,
  type FeedbackKind,
} from '../../client';
import {
  feedbackListFeedbackNoticesOptions,
  feedbackListFeedbackOptions,
  feedbackReadChangeAlertOptions,
  feedbackReadChangeAlertQueryKey,
  feedbackReadFeedbackCountsOptions,
} from '../../client/@tanstack/react-query.gen';

export type { ChangeAlert, FeedbackKind, FeedbackRead, StepRef } from '../../client';

export const KIND_LABEL: Record<FeedbackKind, string> = {
  didnt_help: 'Didn’t help',
  unclear: 'Unclear',
  wrong: 'Wrong',
};
export const KINDS: readonly FeedbackKind[] = ['didnt_help', 'unclear', 'wrong'];
export const COMMENT_MAX = 1000;

const FEEDBACK_QUERIES = new Set(['feedbackListFeedback', 'feedbackReadFeedbackCounts', 'feedbackListFeedbackNotices']);

/** Any feedback changed: every list, count and notice asks again when next shown. */
function useFeedbackChanged() {
  const queryClient = useQueryClient();
  return () =>
    queryClient.invalidateQueries({
      predicate: (query) => FEEDBACK_QUERIES.has(String((query.queryKey[0] as { _id?: unknown } | undefined)?._id)),
    });
}

/** Flags a step the session reached. */
export function useFlagStep(sessionId: string) {
  const changed = useFeedbackChanged();
  return useMutation({
    mutationFn: async (body: { node_id: string; version_id: string; kind: FeedbackKind; comment: string }) =>
      (await feedbackCreateFeedback({ path: { session_id: sessionId }, body, throwOnError: true })).data,
    onSuccess: changed,
  });
}

/** Open feedback of one tree (the editor pins it on the nodes), at most 100. */
export function useOpenFeedback(treeId: string) {
  return useQuery(feedbackListFeedbackOptions({ query: { tree_id: treeId, status: 'open', limit: 100 } }));
}

/** Open feedback counts per node of one tree (every version). */
export function useFeedbackCounts(treeId: string) {
  return useQuery(feedbackReadFeedbackCountsOptions({ path: { tree_id: treeId } }));
}

export function useReply(feedbackId: string) {
  const changed = useFeedbackChanged();
  return useMutation({
    mutationFn: async (body: string) =>
      (await feedbackReplyToFeedback({ path: { feedback_id: feedbackId }, body: { body }, throwOnError: true })).data,
    onSuccess: changed,
  });
}

export function useResolve(feedbackId: string) {
  const changed = useFeedbackChanged();
  return useMutation({
    mutationFn: async (note: string) =>
      (
        await feedbackResolveFeedback({
          path: { feedback_id: feedbackId },
          body: { note: note.trim() || null },
          throwOnError: true,
        })
      ).data,
    onSuccess: changed,
  });
}

/** The caller's feedback resolved since they last acknowledged it. */
export function useFeedbackNotices() {
  return useQuery({ ...feedbackListFeedbackNoticesOptions(), staleTime: 30_000 });
}

export function useAcknowledge() {
  const changed = useFeedbackChanged();
  return useMutation({
    mutationFn: async (feedbackId: string) =>
      (await feedbackAcknowledgeFeedback({ path: { feedback_id: feedbackId }, throwOnError: true })).data,
    onSuccess: changed,
  });
}

/** What changed in a tree since the caller last ran it (null: nothing to tell). */
export function useChangeAlert(treeId: string) {
  return useQuery({ ...feedbackReadChangeAlertOptions({ path: { tree_id: treeId } }), staleTime: 60_000 });
}

export function useDismissAlert(treeId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (versionId: string) => {
      await feedbackDismissChangeAlert({
        path: { tree_id: treeId },
        body: { version_id: versionId },
        throwOnError: true,
      });
    },
    onSuccess: () => {
      // Gone at once, everywhere this tree's notice is on screen.
      queryClient.setQueryData(feedbackReadChangeAlertQueryKey({ path: { tree_id: treeId } }), { alert: null });
    },
  });
}
