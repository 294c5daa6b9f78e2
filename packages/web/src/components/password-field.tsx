import { useId } from 'react';

/** Props of {@link PasswordField}. */
export interface PasswordFieldProps {
  /** The visible label, which is also the input's accessible name. */
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** `current-password` where an existing password is asked, `new-password` where one is chosen. */
  autoComplete: 'current-password' | 'new-password';
  /** The form field's name, for password managers that key on it. */
  name?: string;
  /** The rule's minimum, as a hint to password managers; the forms check the rule themselves (`noValidate`). */
  minLength?: number;
  /** The form's error is about this field: `aria-invalid`. */
  invalid?: boolean;
  /** Ids of the texts that describe the field (a hint, the form's error). */
  describedBy?: string;
}

/**
 * A labelled password input in the app's `.field` layout: sign-in and registration, the password
 * change and the account deletion all use it, so a label, its `for` and the autocomplete token
 * cannot drift apart between them.
 */
export function PasswordField({
  label,
  value,
  onChange,
  autoComplete,
  name,
  minLength,
  invalid = false,
  describedBy,
}: PasswordFieldProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="password"
        autoComplete={autoComplete}
        required
        minLength={minLength}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={invalid ? true : undefined}
        aria-describedby={describedBy}
      />
    </div>
  );
}
