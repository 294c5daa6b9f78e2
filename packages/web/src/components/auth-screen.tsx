import { Password, Username } from '@cinder/protocol';
import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../lib/errors.ts';
import { Brand } from './brand.tsx';
import { EyeIcon, FlameIcon, LockIcon } from './icons.tsx';

type Mode = 'login' | 'register';

/** Props of {@link AuthScreen}. */
export interface AuthScreenProps {
  /** Shown above the form, e.g. after this device was signed out elsewhere. */
  notice: string | null;
  onSubmit: (mode: Mode, username: string, password: string) => Promise<void>;
}

/** Sign in or create an account. */
export function AuthScreen({ notice, onSubmit }: AuthScreenProps) {
  const [mode, setMode] = useState<Mode>('register');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { user: useId(), pass: useId(), hint: useId(), error: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = username.trim().toLowerCase();
    const validName = Username.safeParse(name);
    if (!validName.success) {
      setError('Usernames are 3–32 lowercase letters, digits, “_”, “.” or “-”.');
      return;
    }
    if (!Password.safeParse(password).success) {
      setError('Passwords need at least 8 characters.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(mode, name, password);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  }

  const registering = mode === 'register';
  return (
    <main className="auth">
      <section className="auth__intro" aria-labelledby="auth-title">
        <Brand />
        <h1 id="auth-title" className="auth__headline">
          Say it once.
          <br />
          <span className="auth__headline-accent">Then it’s ash.</span>
        </h1>
        <ul className="auth__points">
          <li>
            <LockIcon />
            <span>
              <strong>Sealed until opened.</strong> Burn messages arrive locked; nothing opens them but a tap.
            </span>
          </li>
          <li>
            <EyeIcon />
            <span>
              <strong>Read once.</strong> The server hands the text over one time and destroys it in the same
              step.
            </span>
          </li>
          <li>
            <FlameIcon />
            <span>
              <strong>Burned everywhere.</strong> Gone from both devices and the server, with a placeholder to
              say it happened.
            </span>
          </li>
        </ul>
      </section>

      <section className="auth__card" aria-label={registering ? 'Create an account' : 'Sign in'}>
        <div className="segmented" role="tablist" aria-label="Account">
          <button
            type="button"
            role="tab"
            aria-selected={registering}
            className="segmented__option"
            onClick={() => {
              setMode('register');
              setError(null);
            }}
          >
            Create account
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={!registering}
            className="segmented__option"
            onClick={() => {
              setMode('login');
              setError(null);
            }}
          >
            Sign in
          </button>
        </div>

        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}

        <form
          className="auth__form"
          onSubmit={submit}
          noValidate
          aria-describedby={error ? ids.error : undefined}
        >
          <div className="field">
            <label htmlFor={ids.user}>Username</label>
            <input
              id={ids.user}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              aria-describedby={registering ? ids.hint : undefined}
              aria-invalid={error ? true : undefined}
            />
            {registering && (
              <p id={ids.hint} className="field__hint">
                Lowercase letters, digits, “_ . -”. Friends start a chat with it.
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.pass}>Password</label>
            <input
              id={ids.pass}
              name="password"
              type="password"
              autoComplete={registering ? 'new-password' : 'current-password'}
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={error ? true : undefined}
            />
          </div>
          {error && (
            <p id={ids.error} className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy
              ? registering
                ? 'Creating account…'
                : 'Signing in…'
              : registering
                ? 'Create account'
                : 'Sign in'}
          </button>
        </form>
        <p className="auth__footnote">This browser stays signed in until you sign out.</p>
      </section>
    </main>
  );
}
