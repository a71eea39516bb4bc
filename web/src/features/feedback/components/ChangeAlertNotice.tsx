// The notice a person gets when a tree they ran in the last 30 days was republished: the
// changelog and what changed in the steps they know. Shown until dismissed (stored by the server,
// so it does not come back on another device).

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { type ChangeAlert, type StepRef, useChangeAlert, useDismissAlert } from '../hooks';

function Steps({ title, steps }: { title: string; steps: readonly StepRef[] }) {
  if (steps.length === 0) return null;
  return (
    <div className="change-alert-group">
      <h3>{title}</h3>
      <ul className="change-alert-list">
        {steps.map((s) => (
          <li key={s.node_id}>{s.title || s.node_id}</li>
        ))}
      </ul>
    </div>
  );
}

export function ChangeAlertNotice({ treeId }: { treeId: string }) {
  const state = useChangeAlert(treeId);
  const alert = state.data?.alert;
  if (!alert) return null;
  return <AlertCard treeId={treeId} alert={alert} />;
}

function AlertCard({ treeId, alert }: { treeId: string; alert: ChangeAlert }) {
  const dismiss = useDismissAlert(treeId);
  const run = useSingleFlight(() => dismiss.mutateAsync(alert.version_id));
  const nothingVisible =
    alert.steps_added.length +
      alert.steps_removed.length +
      alert.steps_reworded.length +
      alert.answers_changed.length ===
    0;
  return (
    <section className="card change-alert" aria-labelledby="change-alert-title">
      <h2 id="change-alert-title">This tree changed since you last ran it</h2>
      <p className="muted">
        You ran version {alert.since_version_number}; this is version {alert.version_number}.
      </p>
      <ul className="change-alert-log" aria-label="Changelog">
        {alert.changelogs.map((c) => (
          <li key={c.number}>
            <strong>v{c.number}</strong> {c.changelog || <em>no changelog</em>}
          </li>
        ))}
      </ul>
      <div className="change-alert-steps">
        <Steps title="New steps" steps={alert.steps_added} />
        <Steps title="Removed steps" steps={alert.steps_removed} />
        <Steps title="Reworded steps" steps={alert.steps_reworded} />
        <Steps title="Steps with different answers" steps={alert.answers_changed} />
      </div>
      {nothingVisible && <p className="muted">No step you see changed (only automatic ones).</p>}
      <FormErrors messages={describeError(dismiss.error).general} />
      <button type="button" className="button small" aria-disabled={run.busy || undefined} onClick={() => run.run()}>
        Got it, dismiss
      </button>
    </section>
  );
}
