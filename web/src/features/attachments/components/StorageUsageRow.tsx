import { formatBytes, useStorageUsage } from '../hooks';

/** "12.3 MB of 1.0 GB (40 files)" with a meter, for the account page (admins). */
export function StorageUsageRow({ enabled }: { enabled: boolean }) {
  const usage = useStorageUsage(enabled);
  if (!usage.data) return null;
  const { used_bytes, quota_bytes, files } = usage.data;
  return (
    <div>
      <dt>File storage</dt>
      <dd>
        {formatBytes(used_bytes)} of {formatBytes(quota_bytes)} ({files} {files === 1 ? 'file' : 'files'})
        <meter min={0} max={quota_bytes} value={used_bytes} aria-label="file storage used" />
      </dd>
    </div>
  );
}
