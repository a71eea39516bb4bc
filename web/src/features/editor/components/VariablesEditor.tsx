import { useState } from 'react';

import { Field } from '../../../ui/forms';
import type { Problem, Variable } from '../model';

const TYPES: Variable['type'][] = ['text', 'number', 'boolean', 'choice', 'date'];
const REQUIRED: { value: NonNullable<Variable['required']>; label: string }[] = [
  { value: 'at_start', label: 'At start' },
  { value: 'before_complete', label: 'Before completing' },
  { value: 'optional', label: 'Optional' },
];

function problemFor(problems: readonly Problem[], i: number, field: string): string | undefined {
  return problems.find((p) => p.field === `variables[${i}].${field}` || (field === '' && p.field === `variables[${i}]`))
    ?.message;
}

const splitChoices = (text: string) =>
  text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

/** The choices as typed ("P-100, " keeps its comma while the next one is typed); the list
 * follows the text. */
function ChoicesField({
  id,
  choices,
  error,
  onChange,
}: {
  id: string;
  choices: readonly string[];
  error: string | undefined;
  onChange: (choices: string[]) => void;
}) {
  const [text, setText] = useState(() => choices.join(', '));
  const shown = splitChoices(text).join('\u0000') === choices.join('\u0000') ? text : choices.join(', ');
  return (
    <Field
      id={id}
      label="Choices (comma separated)"
      value={shown}
      error={error}
      onChange={(e) => {
        setText(e.target.value);
        onChange(splitChoices(e.target.value));
      }}
    />
  );
}

export function VariablesEditor({
  variables,
  problems,
  onChange,
}: {
  variables: Variable[];
  problems: readonly Problem[];
  onChange: (variables: Variable[]) => void;
}) {
  const set = (i: number, change: Partial<Variable>) =>
    onChange(variables.map((v, j) => (j === i ? { ...v, ...change } : v)));
  return (
    <div className="panel-section">
      <p className="field-hint">
        Intake values the technician fills in; use them in texts as <code>{'{{name}}'}</code> and in logic rules.
      </p>
      {variables.map((v, i) => {
        const id = `variable-${i}`;
        const nameError = problemFor(problems, i, 'name');
        const choicesError = problemFor(problems, i, 'choices');
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: variables are edited in place, names change while typing
          <fieldset key={i} className="variable-editor">
            <legend>{v.label || v.name || `Variable ${i + 1}`}</legend>
            <div className="field">
              <label htmlFor={`${id}-name`}>Name</label>
              <input
                id={`${id}-name`}
                value={v.name}
                pattern="[A-Za-z_][A-Za-z0-9_]*"
                aria-invalid={nameError ? true : undefined}
                onChange={(e) => set(i, { name: e.target.value.replace(/[^A-Za-z0-9_]/g, '_') })}
              />
              {nameError && <p className="field-error">{nameError}</p>}
            </div>
            <div className="field">
              <label htmlFor={`${id}-label`}>Label</label>
              <input id={`${id}-label`} value={v.label} onChange={(e) => set(i, { label: e.target.value })} />
            </div>
            <div className="field-row">
              <div className="field">
                <label htmlFor={`${id}-type`}>Type</label>
                <select
                  id={`${id}-type`}
                  value={v.type ?? 'text'}
                  onChange={(e) => set(i, { type: e.target.value as Variable['type'] })}
                >
                  {TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${id}-required`}>Required</label>
                <select
                  id={`${id}-required`}
                  value={v.required ?? 'optional'}
                  onChange={(e) => set(i, { required: e.target.value as Variable['required'] })}
                >
                  {REQUIRED.map((r) => (
                    <option key={r.value} value={r.value}>
                      {r.label}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            {v.type === 'choice' && (
              <ChoicesField
                id={`${id}-choices`}
                choices={v.choices ?? []}
                error={choicesError}
                onChange={(choices) => set(i, { choices })}
              />
            )}
            <div className="field">
              <label htmlFor={`${id}-help`}>Help (optional)</label>
              <input
                id={`${id}-help`}
                value={v.help ?? ''}
                onChange={(e) => set(i, { help: e.target.value || null })}
              />
            </div>
            <button
              type="button"
              className="button small danger"
              onClick={() => onChange(variables.filter((_, j) => j !== i))}
            >
              Remove variable
            </button>
          </fieldset>
        );
      })}
      <button
        type="button"
        className="button small"
        onClick={() =>
          onChange([
            ...variables,
            {
              name: `var${variables.length + 1}`,
              label: `Value ${variables.length + 1}`,
              type: 'text',
              required: 'optional',
            },
          ])
        }
      >
        Add variable
      </button>
    </div>
  );
}
