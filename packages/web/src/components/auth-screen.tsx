import { Password, Username } from '@cinder/protocol';
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUTONYMS, isLanguage, LANGUAGES } from '../i18n/language.ts';
import { saveLanguage } from '../i18n/setup.ts';
import { describeError } from '../lib/errors.ts';
import type { SignOutNotice } from '../session/session-controller.ts';
import { Brand } from './brand.tsx';
import { EyeIcon, FlameIcon, LockIcon } from './icons.tsx';

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
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { user: useId(), pass: useId(), hint: useId(), error: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const name = username.trim().toLowerCase();
    const validName = Username.safeParse(name);
    if (!validName.success) {
      setError(t('auth.badUsername'));
      return;
    }
    if (!Password.safeParse(password).success) {
      setError(t('auth.badPassword'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(mode, name, password);
    } catch (e) {
      setError(describeError(e, t));
      setBusy(false);
    }
  }

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
            aria-selected={registering}
            className="segmented__option"
            onClick={() => {
              setMode('register');
              setError(null);
            }}
          >
            {t('auth.createAccount')}
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
          onSubmit={submit}
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
              aria-invalid={error ? true : undefined}
            />
            {registering && (
              <p id={ids.hint} className="field__hint">
                {t('auth.usernameHint')}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.pass}>{t('auth.password')}</label>
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
