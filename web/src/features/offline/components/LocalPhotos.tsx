import { useEffect, useMemo } from 'react';

import type { LocalPhoto } from '../db';

/** Photos taken on the device (shown from the device, whether or not they are synced). */
export function LocalPhotos({ photos }: { photos: LocalPhoto[] }) {
  const urls = useMemo(() => photos.map((p) => URL.createObjectURL(p.blob)), [photos]);
  useEffect(
    () => () => {
      for (const u of urls) URL.revokeObjectURL(u);
    },
    [urls],
  );
  if (photos.length === 0) return null;
  return (
    <ul className="file-list" aria-label="Photos on this device">
      {photos.map((p, i) => (
        <li key={p.client_id}>
          {p.blob.type.startsWith('image/') && !/hei[cf]/.test(p.blob.type) ? (
            <img src={urls[i]} alt={p.filename} className="file-thumb" />
          ) : (
            <span className="file-pdf">📄 {p.filename}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
