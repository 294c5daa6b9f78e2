import { Password, Username } from '@cinder/protocol';
import { type FormEvent, type KeyboardEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUTONYMS, isLanguage, LANGUAGES } from '../i18n/language.ts';
import { saveLanguage } from '../i18n/setup.ts';
import { describeError, hasCode } from '../lib/errors.ts';
import type { SignOutNotice } from '../session/session-controller.ts';
import { Brand } from './brand.tsx';
import { EyeIcon, FlameIcon, LockIcon } from './icons.tsx';
import { PasswordField } from './password-field.tsx';

type Mode = 'login' | 'register';

/** Props of {@link AuthScreen}. */
export interface AuthScreenProps {
  /** Shown above the form, e.g. after this device was signed out elsewhere. */
  notice: SignOutNotice | null;
  onSubmit: (mode: Mode, username: string, password: string) => Promise<void>;
}

/** Sign in or create an account; the page's language can be switched here too, before signing in. */
export function AuthScreen({ notice, onSubmit }: AuthScreenProps) {
  const { t, i18n } = useTranslation();
  const language = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';
  // A device signed out elsewhere belongs to someone with an account: offer to sign in again.
  const [mode, setMode] = useState<Mode>(notice ? 'login' : 'register');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // `field` is the input the error is about (`aria-invalid`); none for the network's or server's troubles.
  const [error, setError] = useState<{
    text: string;
    field: 'username' | 'password' | 'both' | null;
  } | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { user: useId(), hint: useId(), error: useId() };
  const tabs = { register: useRef<HTMLButtonElement>(null), login: useRef<HTMLButtonElement>(null) };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const name = username.trim().toLowerCase();
    const validName = Username.safeParse(name);
    if (!validName.success) {
      setError({ text: t('auth.badUsername'), field: 'username' });
      return;
    }
    if (!Password.safeParse(password).success) {
      setError({ text: t('auth.badPassword'), field: 'password' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(mode, name, password);
    } catch (e) {
      // A refused sign-in is about the pair; a taken username (registering) about the name.
      const field = hasCode(e, 'UNAUTHORIZED') ? 'both' : hasCode(e, 'CONFLICT') ? 'username' : null;
      setError({ text: describeError(e, t), field });
      setBusy(false);
    }
  }

  function choose(next: Mode) {
    // The request in flight is of the mode shown: its button keeps saying what it does.
    if (busy) return;
    setMode(next);
    setError(null);
  }

  /** Arrow keys, Home and End move between the two tabs (the ARIA tabs pattern); Tab leaves them. */
  function onTabKey(event: KeyboardEvent) {
    const next: Mode | null =
      event.key === 'ArrowLeft' || event.key === 'Home'
        ? 'register'
        : event.key === 'ArrowRight' || event.key === 'End'
          ? 'login'
          : null;
    if (!next) return;
    event.preventDefault();
    choose(next);
    tabs[next].current?.focus();
  }

  const invalid = (field: 'username' | 'password') => error?.field === field || error?.field === 'both';

  const registering = mode === 'register';
  return (
    <main className="auth">
      <section className="auth__intro" aria-labelledby="auth-title">
        <Brand />
        <h1 id="auth-title" className="auth__headline">
          {t('auth.headline')}
          <br />
          <span className="auth__headline-accent">{t('auth.headlineAccent')}</span>
        </h1>
        <ul className="auth__points">
          <li>
            <LockIcon />
            <span>
              <strong>{t('auth.sealedTitle')}</strong> {t('auth.sealedText')}
            </span>
          </li>
          <li>
            <EyeIcon />
            <span>
              <strong>{t('auth.readOnceTitle')}</strong> {t('auth.readOnceText')}
            </span>
          </li>
          <li>
            <FlameIcon />
            <span>
              <strong>{t('auth.burnedTitle')}</strong> {t('auth.burnedText')}
            </span>
          </li>
        </ul>
      </section>

      <section
        className="auth__card"
        aria-label={registering ? t('auth.cardRegister') : t('auth.cardSignIn')}
      >
        <div className="segmented" role="tablist" aria-label={t('auth.tabs')}>
          <button
            type="button"
            role="tab"
            ref={tabs.register}
            aria-selected={registering}
            tabIndex={registering ? 0 : -1}
            className="segmented__option"
            onClick={() => choose('register')}
            onKeyDown={onTabKey}
          >
            {t('auth.createAccount')}
          </button>
          <button
            type="button"
            role="tab"
            ref={tabs.login}
            aria-selected={!registering}
            tabIndex={registering ? -1 : 0}
            className="segmented__option"
            onClick={() => choose('login')}
            onKeyDown={onTabKey}
          >
            {t('auth.signIn')}
          </button>
        </div>

        {notice && (
          <p className="notice" role="status">
            {notice === 'account-deleted' ? t('auth.accountDeleted') : t('auth.signedOutElsewhere')}
          </p>
        )}

        <form
          className="auth__form"
          onSubmit={(e) => void submit(e)}
          noValidate
          aria-describedby={error ? ids.error : undefined}
        >
          <div className="field">
            <label htmlFor={ids.user}>{t('auth.username')}</label>
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
              aria-invalid={invalid('username') ? true : undefined}
            />
            {registering && (
              <p id={ids.hint} className="field__hint">
                {t('auth.usernameHint')}
              </p>
            )}
          </div>
          <PasswordField
            label={t('auth.password')}
            name="password"
            autoComplete={registering ? 'new-password' : 'current-password'}
            minLength={8}
            value={password}
            onChange={setPassword}
            invalid={invalid('password')}
          />
          {error && (
            <p id={ids.error} className="form-error" role="alert">
              {error.text}
            </p>
          )}
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy
              ? registering
                ? t('auth.creating')
                : t('auth.signingIn')
              : registering
                ? t('auth.createAccount')
                : t('auth.signIn')}
          </button>
        </form>
        <p className="auth__footnote">{t('auth.footnote')}</p>
        {/* Each language in its own words; the one shown is plain text, the others switch to it. */}
        <nav className="auth__footnote" aria-label={t('settings.language')}>
          {LANGUAGES.map((choice, i) => (
            <span key={choice}>
              {i > 0 && ' · '}
              {choice === language ? (
                <span lang={choice} aria-current="true">
                  {AUTONYMS[choice]}
                </span>
              ) : (
                <button
                  type="button"
                  className="link-button"
                  lang={choice}
                  onClick={() => void saveLanguage(i18n, choice)}
                >
                  {AUTONYMS[choice]}
                </button>
              )}
            </span>
          ))}
        </nav>
      </section>
    </main>
  );
}
