// The intake values form, the one the start page, a prepared session and the runner's panel
// all show: a field per declared variable, the missing ones flagged, the API's errors next to
// their fields, and the caller's submit button.

import { useState, type ReactNode } from 'react';

import { describeError } from '../../../lib/api/errors';
import { Form, FormErrors, SubmitButton } from '../../../ui/forms';
import type { Variable } from '../hooks';
import { toFormValues, VariableInput, type VariableValues } from './VariableInput';

export function IntakeForm({
  definitions,
  initial = {},
  missing,
  flagUntilTyped = false,
  error,
  onSubmit,
  onEdit,
  className,
  children,
}: {
  definitions: readonly Variable[];
  /** The values the form opens with (a session's values); later changes need a new `key`. */
  initial?: Record<string, unknown>;
  /** Names flagged "Missing". */
  missing: ReadonlySet<string>;
  /** A form to start with: flag a missing value only once the user tried to continue, and no
   * longer once something is typed in it (before it is saved). */
  flagUntilTyped?: boolean;
  /** The error of the last submit: general messages on top, `variables.<name>` by field. */
  error: unknown;
  /** The form's strings (`fromFormValues` makes them typed values), and the value of the submit
   * button pressed (an answer of the start screen), null for Enter or a plain button. */
  onSubmit: (form: VariableValues, submitter: string | null) => void;
  onEdit?: () => void;
  className?: string;
  /** The submit button and what goes with it. */
  children: ReactNode;
}) {
  const [form, setForm] = useState(() => toFormValues(definitions, initial));
  const [tried, setTried] = useState(false);
  const errors = describeError(
    error,
    definitions.map((v) => `variables.${v.name}`),
  );
  return (
    <Form
      className={className}
      onSubmit={(submitter) => {
        setTried(true);
        onSubmit(form, submitter);
      }}
    >
      <FormErrors messages={errors.general} />
      {definitions.map((v) => {
        const value = form[v.name] ?? '';
        return (
          <VariableInput
            key={v.name}
            variable={v}
            value={value}
            missing={missing.has(v.name) && !(flagUntilTyped && (!tried || value.trim()))}
            error={errors.fields[`variables.${v.name}`]}
            onChange={(next) => {
              onEdit?.();
              setForm((f) => ({ ...f, [v.name]: next }));
            }}
          />
        );
      })}
      {children}
    </Form>
  );
}

/** The submit button of an intake form that starts the session (`secondary` next to the first
 * question's answers, which start it too). */
export function StartButton({ busy, secondary = false }: { busy: boolean; secondary?: boolean }) {
  return (
    <SubmitButton className={secondary ? 'button big' : 'button primary big'} busy={busy} busyLabel="Starting…">
      Start the session
    </SubmitButton>
  );
}
