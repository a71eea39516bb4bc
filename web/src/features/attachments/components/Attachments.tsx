import { useRef } from 'react';

import { describeError } from '../../../lib/api/errors';
import { FormErrors } from '../../../ui/forms';
import { type AttachmentRead, formatBytes, useAttachments, useUploadAttachment } from '../hooks';

/** Accepted by the API (checked there by content): photos from the camera or gallery, PDFs. */
export const ACCEPT = 'image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf,image/*';

/** Thumbnails of photos (each opens the full photo) and PDFs as links. */
export function FileList({ files, label }: { files: AttachmentRead[]; label: string }) {
  if (files.length === 0) return null;
  return (
    <ul className="file-list" aria-label={label}>
      {files.map((f) => (
        <li key={f.id}>
          {f.kind === 'image' && f.thumbnail_url ? (
            <a href={f.url} target="_blank" rel="noreferrer">
              <img src={f.thumbnail_url} alt={f.filename} className="file-thumb" loading="lazy" />
            </a>
          ) : (
            <a href={f.url} download={f.filename} className="file-pdf">
              📄 {f.filename}
            </a>
          )}
          <span className="muted file-size">{formatBytes(f.size_bytes)}</span>
        </li>
      ))}
    </ul>
  );
}

/** The session's photos and PDFs; `canAdd`: the technician may add more at the current step. */
export function AttachmentsPanel({ sessionId, canAdd }: { sessionId: string; canAdd: boolean }) {
  const files = useAttachments(sessionId);
  const upload = useUploadAttachment(sessionId);
  const input = useRef<HTMLInputElement>(null);
  const list = files.data ?? [];
  return (
    <section className="card" aria-label="Photos and files">
      <h2>Photos and files</h2>
      {list.length === 0 && !files.isPending && <p className="muted">None yet.</p>}
      <FileList files={list} label="Session files" />
      <FormErrors messages={[...describeError(files.error).general, ...describeError(upload.error).general]} />
      {canAdd && (
        <label className="button file-add">
          {upload.isPending ? 'Uploading…' : 'Add photo or PDF'}
          <input
            ref={input}
            type="file"
            accept={ACCEPT}
            className="visually-hidden"
            disabled={upload.isPending}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              upload.mutate(file, {
                onSettled: () => {
                  if (input.current) input.current.value = '';
                },
              });
            }}
          />
        </label>
      )}
    </section>
  );
}

/** The photos taken at one node of the path (history). */
export function filesAt(files: AttachmentRead[] | undefined, nodeId: string): AttachmentRead[] {
  return (files ?? []).filter((f) => f.node_id === nodeId);
}
