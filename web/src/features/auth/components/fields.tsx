// The fields every auth form shares (sign in, register, forgot and reset password).

import { Field } from '../../../ui/forms';

interface TextProps {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}

/** `autoComplete`: `username` where an account is signed in to, `email` where one is named. */
export function EmailField({
  autoComplete = 'email',
  autoFocus = false,
  ...props
}: TextProps & { autoComplete?: 'email' | 'username'; autoFocus?: boolean }) {
  return (
    <Field
      label="Email"
      type="email"
      name="email"
      autoComplete={autoComplete}
      autoFocus={autoFocus}
      required
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      error={props.error}
    />
  );
}

/** `autoComplete`: `current-password` to sign in, `new-password` to choose one. */
export function PasswordField({
  label = 'Password',
  name = 'password',
  autoComplete,
  hint,
  ...props
}: TextProps & { label?: string; name?: string; autoComplete: 'current-password' | 'new-password'; hint?: string }) {
  return (
    <Field
      label={label}
      type="password"
      name={name}
      autoComplete={autoComplete}
      required
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      error={props.error}
      hint={hint}
    />
  );
}
