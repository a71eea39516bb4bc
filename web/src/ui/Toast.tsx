import { useEffect } from 'react';

/** A short message at the bottom of the screen with one action (Undo), read out when it shows;
 * it goes away by itself after `seconds`, or with Dismiss. */
export function Toast({
  message,
  action,
  onDismiss,
  seconds = 10,
}: {
  message: string;
  action?: { label: string; run: () => void };
  onDismiss: () => void;
  seconds?: number;
}) {
  useEffect(() => {
    const timer = window.setTimeout(onDismiss, seconds * 1000);
    return () => window.clearTimeout(timer);
  }, [onDismiss, seconds]);
  return (
    <div className="toast" role="status">
      <span>{message}</span>
      {action && (
        <button type="button" className="button small" onClick={action.run}>
          {action.label}
        </button>
      )}
      <button type="button" className="button small" aria-label="Dismiss" onClick={onDismiss}>
        ✕
      </button>
    </div>
  );
}
