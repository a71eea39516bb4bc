// Form building blocks: real labels and inputs, errors next to their fields, one guarded submit.

import {
  useId,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';

interface ShellProps {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  /** A fixed id (a target for links and tests); otherwise one is made up. */
  id?: string | undefined;
  className?: string;
}

/** Label, control, error and hint of one field; the control gets the ids that tie them. */
function FieldShell({
  label,
  error,
  hint,
  id: fixedId,
  className = 'field',
  control,
}: ShellProps & {
  control: (aria: {
    id: string;
    'aria-invalid': true | undefined;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}) {
  const madeUp = useId();
  const id = fixedId ?? madeUp;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={className}>
      <label htmlFor={id}>{label}</label>
      {control({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': [errorId, hintId].filter(Boolean).join(' ') || undefined,
      })}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

type FieldProps = ShellProps & Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'className'>;

export function Field({ label, error, hint, id, className, ...input }: FieldProps) {
  const shell = { label, error, hint, id, className };
  return <FieldShell {...shell} control={(aria) => <input {...aria} {...input} />} />;
}

type TextAreaFieldProps = ShellProps & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'className'>;

export function TextAreaField({ label, error, hint, id, className, ...textarea }: TextAreaFieldProps) {
  const shell = { label, error, hint, id, className };
  return <FieldShell {...shell} control={(aria) => <textarea {...aria} {...textarea} />} />;
}

export interface Choice {
  value: string;
  label: string;
}

type SelectFieldProps = ShellProps &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'className'> & {
    /** Shown after `children` (e.g. an "any" option first), one `<option>` each. */
    options?: readonly Choice[] | undefined;
  };

export function SelectField({ label, error, hint, id, className, options, children, ...select }: SelectFieldProps) {
  const shell = { label, error, hint, id, className };
  return (
    <FieldShell
      {...shell}
      control={(aria) => (
        <select {...aria} {...select}>
          {children}
          {options?.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

/** A form that submits with Enter or its submit button, into `onSubmit` (a guarded action:
 * `useSingleFlight().run`), with the `value` of the submit button pressed (null for Enter).
 * No browser validation: the API's errors are shown by field. */
export function Form({
  onSubmit,
  className,
  children,
}: {
  onSubmit: (submitter: string | null) => void;
  className?: string;
  children: ReactNode;
}) {
  return (
    <form
      className={className}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const submitter = (event.nativeEvent as SubmitEvent).submitter;
        onSubmit(submitter instanceof HTMLButtonElement && submitter.value ? submitter.value : null);
      }}
    >
      {children}
    </form>
  );
}

/** Errors that belong to no field of the form, announced when they appear. */
export function FormErrors({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="form-errors" role="alert">
      {messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

export function SubmitButton({
  busy,
  busyLabel,
  children,
  className = 'button primary',
}: {
  busy: boolean;
  busyLabel: string;
  children: ReactNode;
  className?: string;
}) {
  // Not `disabled` while busy: a disabled button loses keyboard focus. The guard ignores the
  // extra presses instead, and aria-disabled tells assistive technology.
  return (
    <button type="submit" className={className} aria-disabled={busy || undefined}>
      {busy ? busyLabel : children}
    </button>
  );
}

/** A form's submit button and Cancel, side by side. */
export function SubmitOrCancel({
  busy,
  busyLabel,
  children,
  onCancel,
  className = 'button primary',
}: {
  busy: boolean;
  busyLabel: string;
  children: ReactNode;
  onCancel: () => void;
  className?: string;
}) {
  const small = className.includes('small');
  return (
    <div className="actions">
      <SubmitButton className={className} busy={busy} busyLabel={busyLabel}>
        {children}
      </SubmitButton>
      <button type="button" className={small ? 'button small' : 'button'} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A success or progress message, read out by screen readers. */
export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'success' }) {
  return (
    <div className={`notice ${tone}`} role="status">
      {children}
    </div>
  );
}
