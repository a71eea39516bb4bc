// Every API call of session files (photos and PDFs). Components use these hooks only.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { attachmentsUploadAttachment, type AttachmentRead } from '../../client';
import {
  attachmentsListAttachmentsOptions,
  attachmentsListAttachmentsQueryKey,
  attachmentsReadStorageUsageOptions,
} from '../../client/@tanstack/react-query.gen';

export type { AttachmentRead, StorageUsage } from '../../client';

/** The session's files with links signed for a few minutes: asked again before they expire. */
export function useAttachments(sessionId: string) {
  return useQuery({
    ...attachmentsListAttachmentsOptions({ path: { session_id: sessionId } }),
    staleTime: 60_000,
    refetchInterval: 4 * 60_000,
  });
}

/** Uploads one file at the session's current step (a client id makes a retry harmless). */
export async function uploadAttachment(
  sessionId: string,
  file: Blob,
  filename: string,
  extra: { clientId?: string; nodeId?: string } = {},
): Promise<AttachmentRead> {
  const named = file instanceof File ? file : new File([file], filename, { type: file.type });
  const { data } = await attachmentsUploadAttachment({
    path: { session_id: sessionId },
    body: {
      file: named,
      ...(extra.clientId ? { client_id: extra.clientId } : {}),
      ...(extra.nodeId ? { node_id: extra.nodeId } : {}),
    },
    throwOnError: true,
  });
  return data;
}

export function useUploadAttachment(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (file: File) => uploadAttachment(sessionId, file, file.name, { clientId: crypto.randomUUID() }),
    onSuccess: () =>
      queryClient.invalidateQueries({
        queryKey: attachmentsListAttachmentsQueryKey({ path: { session_id: sessionId } }),
      }),
  });
}

/** The account's stored files against its quota (admins). */
export function useStorageUsage(enabled: boolean) {
  return useQuery({ ...attachmentsReadStorageUsageOptions(), enabled });
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}
