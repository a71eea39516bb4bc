import { HEAT_METRICS, type HeatMetric } from '../heat';

export interface HeatChoice {
  versionId: string | null;
  metric: HeatMetric;
}

/** The editor's heat overlay switch: which published version's figures, and which figure. */
export function HeatControls({
  versions,
  value,
  onChange,
  status,
}: {
  versions: readonly { id: string; number: number; is_live: boolean }[];
  value: HeatChoice;
  onChange: (value: HeatChoice) => void;
  status: string | null;
}) {
  return (
    <fieldset className="heat-controls">
      <legend className="visually-hidden">Heat overlay</legend>
      <label htmlFor="heat-version">Heat</label>
      <select
        id="heat-version"
        value={value.versionId ?? ''}
        onChange={(e) => onChange({ ...value, versionId: e.target.value || null })}
      >
        <option value="">Off</option>
        {versions.map((v) => (
          <option key={v.id} value={v.id}>
            Version {v.number}
            {v.is_live ? ' (live)' : ''}
          </option>
        ))}
      </select>
      <label htmlFor="heat-metric" className="visually-hidden">
        Heat figure
      </label>
      <select
        id="heat-metric"
        value={value.metric}
        disabled={value.versionId === null}
        onChange={(e) => onChange({ ...value, metric: e.target.value as HeatMetric })}
      >
        {HEAT_METRICS.map((m) => (
          <option key={m.value} value={m.value}>
            {m.label}
          </option>
        ))}
      </select>
      {status && (
        <span className="muted" role="status">
          {status}
        </span>
      )}
    </fieldset>
  );
}
