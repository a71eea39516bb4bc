import type { Variable } from '../hooks';

export type VariableValues = Record<string, string>;

/** Values as the form holds them (strings) from the session's typed values. */
export function toFormValues(definitions: readonly Variable[], values: Record<string, unknown>): VariableValues {
  const out: VariableValues = {};
  for (const v of definitions) {
    const value = values[v.name];
    out[v.name] = value === null || value === undefined ? '' : String(value);
  }
  return out;
}

/** Form strings back to typed values: '' clears (null), numbers and booleans are converted. */
export function fromFormValues(
  definitions: readonly Variable[],
  form: VariableValues,
  onlyChangedFrom?: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of definitions) {
    const raw = (form[v.name] ?? '').trim();
    let value: unknown = raw === '' ? null : raw;
    if (raw !== '' && v.type === 'number') value = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    if (raw !== '' && v.type === 'boolean') value = raw === 'true';
    if (onlyChangedFrom) {
      const before = onlyChangedFrom[v.name] ?? null;
      if (before === value) continue;
    } else if (value === null) {
      continue;
    }
    out[v.name] = value;
  }
  return out;
}

export function VariableInput({
  variable,
  value,
  onChange,
  missing,
  error,
}: {
  variable: Variable;
  value: string;
  onChange: (value: string) => void;
  missing: boolean;
  error?: string | undefined;
}) {
  const id = `var-${variable.name}`;
  const describedBy = [variable.help ? `${id}-help` : '', error || missing ? `${id}-error` : '']
    .filter(Boolean)
    .join(' ');
  const when =
    variable.required === 'at_start'
      ? 'needed to start'
      : variable.required === 'before_complete'
        ? 'needed before completing'
        : 'optional';
  const common = {
    id,
    'aria-invalid': missing || !!error || undefined,
    'aria-describedby': describedBy || undefined,
  };
  return (
    <div className={missing ? 'field variable missing' : 'field variable'}>
      <label htmlFor={id}>
        {variable.label} <span className="muted variable-when">({when})</span>
      </label>
      {variable.type === 'boolean' ? (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          <option value="true">Yes</option>
          <option value="false">No</option>
        </select>
      ) : variable.type === 'choice' ? (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">—</option>
          {(variable.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={variable.type === 'number' ? 'number' : variable.type === 'date' ? 'date' : 'text'}
          inputMode={variable.type === 'number' ? 'decimal' : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {variable.help && (
        <p className="field-hint" id={`${id}-help`}>
          {variable.help}
        </p>
      )}
      {(error || missing) && (
        <p className="field-error" id={`${id}-error`}>
          {error ?? 'Missing'}
        </p>
      )}
    </div>
  );
}
