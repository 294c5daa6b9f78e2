import {
  DisplayName,
  graphemeCount,
  MAX_DISPLAY_NAME_GRAPHEMES,
  normalizeDisplayName,
  Password,
} from '@cinder/protocol';
import type { CinderClient } from '@cinder/sdk';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError, hasCode } from '../lib/errors.ts';
import type { Me } from '../session/sdk-types.ts';
import { PasswordField } from './password-field.tsx';
import '../styles/account-settings.css';
import '../styles/display-name.css';

/** Props of {@link AccountSettings}. */
export interface AccountSettingsProps {
  client: CinderClient;
  me: Me;
  /** Delete the account (the session's, which then shows the sign-in screen); rejects with a CinderError. */
  onDeleteAccount: (password: string) => Promise<void>;
}

/**
 * The settings dialog's "Account" section: the display name, the account's read receipts switch, a password change
 * (which signs every other device out), and at the bottom the deletion of the account. All three
 * are the server's (packages/server/docs/accounts.md); this only asks and says what happened.
 */
export function AccountSettings({ client, me, onDeleteAccount }: AccountSettingsProps) {
  const { t } = useTranslation();
  const titleId = useId();
  return (
    <section
      className="settings__group account-settings"
      aria-labelledby={titleId}
      data-testid="account-settings"
    >
      <h3 id={titleId} className="settings__legend account-settings__title">
        {t('accountSettings.title')}
      </h3>
      <DisplayNameForm client={client} me={me} />
      <ReadReceipts client={client} />
      <ChangePassword client={client} />
      <DeleteAccount me={me} onDeleteAccount={onDeleteAccount} />
    </section>
  );
}

/**
 * The account's display name, loaded from `client.profile()` and checked with the protocol's
 * `DisplayName` rule before it is sent (the server checks it again). Saving an empty field removes
 * the name (`setDisplayName(null)`, which the server allows), so others see the username alone.
 */
function DisplayNameForm({ client, me }: { client: CinderClient; me: Me }) {
  const { t } = useTranslation();
  const ids = { title: useId(), hint: useId(), input: useId(), error: useId() };
  const [value, setValue] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  useEffect(() => {
    let live = true;
    client.profile().then(
      (profile) => live && setValue(profile.displayName ?? ''),
      (failure: unknown) => live && setError(describeError(failure, t)),
    );
    return () => {
      live = false;
    };
  }, [client, t]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (value === null) return;
    setStatus('');
    const empty = normalizeDisplayName(value) === '';
    const parsed = DisplayName.safeParse(value);
    if (!empty && !parsed.success) return setError(refusal(value));
    setBusy(true);
    setError(null);
    try {
      const stored = await client.setDisplayName(parsed.success ? parsed.data : null);
      setValue(stored ?? '');
      setStatus(stored === null ? t('displayName.removed') : t('displayName.saved'));
    } catch (failure) {
      setError(t('displayName.failed', { reason: describeError(failure, t) }));
    } finally {
      setBusy(false);
    }
  }

  /** Why the protocol's rule refuses `raw`, in the app's language. */
  function refusal(raw: string): string {
    return raw.length > 1024 || graphemeCount(normalizeDisplayName(raw)) > MAX_DISPLAY_NAME_GRAPHEMES
      ? t('displayName.tooLong', { max: MAX_DISPLAY_NAME_GRAPHEMES })
      : t('displayName.badCharacters');
  }

  return (
    <form
      className="account-settings__part display-name-form"
      aria-labelledby={ids.title}
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h4 id={ids.title} className="account-settings__subtitle">
        {t('displayName.title')}
      </h4>
      <p id={ids.hint} className="settings__hint">
        {t('displayName.hint', { username: me.username })}
      </p>
      <div className="display-name-form__row">
        <div className="field">
          <label htmlFor={ids.input}>{t('displayName.label')}</label>
          <input
            id={ids.input}
            type="text"
            dir="auto"
            autoComplete="nickname"
            value={value ?? ''}
            disabled={value === null}
            aria-describedby={error ? `${ids.hint} ${ids.error}` : ids.hint}
            aria-invalid={error ? true : undefined}
            onChange={(e) => {
              setValue(e.target.value);
              setError(null);
            }}
          />
        </div>
        <button
          type="submit"
          className="button button--small account-settings__action"
          disabled={value === null || busy}
        >
          {busy ? t('displayName.saving') : t('displayName.save')}
        </button>
      </div>
      {value === null && !error && <p className="settings__hint">{t('displayName.loading')}</p>}
      {error && (
        <p id={ids.error} role="alert" className="form-error">
          {error}
        </p>
      )}
      <p role="status" className="account-settings__done">
        {status}
      </p>
    </form>
  );
}

/** The read receipts switch, loaded from the account's settings (they belong to the account). */
function ReadReceipts({ client }: { client: CinderClient }) {
  const { t } = useTranslation();
  const hintId = useId();
  const [on, setOn] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  useEffect(() => {
    let live = true;
    client.settings().then(
      (settings) => live && setOn(settings.readReceipts),
      (failure: unknown) => live && setError(describeError(failure, t)),
    );
    return () => {
      live = false;
    };
  }, [client, t]);

  async function change(next: boolean) {
    // The switch moves at once, and moves back if the server refuses.
    setOn(next);
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await client.setReadReceipts(next);
      setStatus(next ? t('accountSettings.readReceiptsOn') : t('accountSettings.readReceiptsOff'));
    } catch (failure) {
      setOn(!next);
      setError(t('accountSettings.failed', { reason: describeError(failure, t) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="account-settings__part">
      <label className="account-settings__switch">
        <input
          type="checkbox"
          checked={on ?? false}
          disabled={on === null || busy}
          aria-describedby={hintId}
          onChange={(event) => void change(event.target.checked)}
        />
        <span>{t('accountSettings.readReceipts')}</span>
      </label>
      <p id={hintId} className="settings__hint">
        {t('accountSettings.readReceiptsHint')}
      </p>
      {on === null && !error && <p className="settings__hint">{t('accountSettings.readReceiptsLoading')}</p>}
      {error && (
        <p role="alert" className="form-error">
          {error}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {status}
      </p>
    </div>
  );
}

/** Which field of the password form an error is about, for `aria-invalid` (none: the server or the network). */
type PasswordProblem = { text: string; field: 'current' | 'next' | null } | null;

/**
 * Current password, new password twice; the rule for the new one is registration's. The forms of
 * this section check their own input (`noValidate`), so what they say is in the app's language.
 */
function ChangePassword({ client }: { client: CinderClient }) {
  const { t } = useTranslation();
  const ids = { title: useId(), hint: useId(), error: useId() };
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PasswordProblem>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setDone(false);
    if (!Password.safeParse(next).success)
      return setError({ text: t('accountSettings.badPassword'), field: 'next' });
    if (next !== again) return setError({ text: t('accountSettings.mismatch'), field: 'next' });
    setBusy(true);
    setError(null);
    try {
      await client.changePassword(current, next);
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
    } catch (failure) {
      setError(
        hasCode(failure, 'UNAUTHORIZED')
          ? { text: t('accountSettings.wrongPassword'), field: 'current' }
          : { text: describeError(failure, t), field: null },
      );
    } finally {
      setBusy(false);
    }
  }

  /** The props every field of this form shares: its error, when it is about that field. */
  const about = (field: 'current' | 'next') =>
    error?.field === field ? { invalid: true, describedBy: ids.error } : {};

  return (
    <form
      className="account-settings__part"
      aria-labelledby={ids.title}
      aria-describedby={ids.hint}
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h4 id={ids.title} className="account-settings__subtitle">
        {t('accountSettings.passwordTitle')}
      </h4>
      <p id={ids.hint} className="settings__hint">
        {t('accountSettings.passwordHint')}
      </p>
      <PasswordField
        label={t('accountSettings.currentPassword')}
        autoComplete="current-password"
        value={current}
        onChange={setCurrent}
        {...about('current')}
      />
      <PasswordField
        label={t('accountSettings.newPassword')}
        autoComplete="new-password"
        minLength={8}
        value={next}
        onChange={setNext}
        {...about('next')}
      />
      <PasswordField
        label={t('accountSettings.confirmPassword')}
        autoComplete="new-password"
        minLength={8}
        value={again}
        onChange={setAgain}
        {...about('next')}
      />
      {error && (
        <p id={ids.error} role="alert" className="form-error">
          {error.text}
        </p>
      )}
      <p role="status" className="account-settings__done">
        {done ? t('accountSettings.changed') : ''}
      </p>
      <button type="submit" className="button button--small account-settings__action" disabled={busy}>
        {busy ? t('accountSettings.changing') : t('accountSettings.changePassword')}
      </button>
    </form>
  );
}

/**
 * The danger zone: what deletion does, then the password and the username typed out as the
 * explicit confirmation. On success the session shows the sign-in screen, which unmounts this.
 */
function DeleteAccount({ me, onDeleteAccount }: Omit<AccountSettingsProps, 'client'>) {
  const { t } = useTranslation();
  const ids = { title: useId(), intro: useId(), username: useId(), error: useId() };
  const [password, setPassword] = useState('');
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field: 'password' | 'username' | null } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (typed.trim().toLowerCase() !== me.username)
      return setError({ text: t('accountSettings.usernameMismatch'), field: 'username' });
    setBusy(true);
    setError(null);
    try {
      await onDeleteAccount(password);
    } catch (failure) {
      setError(
        hasCode(failure, 'UNAUTHORIZED')
          ? { text: t('accountSettings.wrongPassword'), field: 'password' }
          : { text: describeError(failure, t), field: null },
      );
      setBusy(false);
    }
  }

  return (
    <form
      className="account-settings__part account-settings__danger"
      aria-labelledby={ids.title}
      aria-describedby={ids.intro}
      noValidate
      onSubmit={(e) => void submit(e)}
    >
      <h4 id={ids.title} className="account-settings__subtitle account-settings__danger-title">
        {t('accountSettings.dangerTitle')}
      </h4>
      <div id={ids.intro}>
        <p className="account-settings__text">{t('accountSettings.dangerIntro')}</p>
        <ul className="account-settings__list">
          <li>{t('accountSettings.dangerBurns')}</li>
          <li>{t('accountSettings.dangerMessages')}</li>
          <li>{t('accountSettings.dangerSignOut')}</li>
        </ul>
      </div>
      <PasswordField
        label={t('accountSettings.deletePassword')}
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
        {...(error?.field === 'password' ? { invalid: true, describedBy: ids.error } : {})}
      />
      <div className="field">
        <label htmlFor={ids.username}>{t('accountSettings.typeUsername', { username: me.username })}</label>
        <input
          id={ids.username}
          type="text"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-invalid={error?.field === 'username' ? true : undefined}
          aria-describedby={error?.field === 'username' ? ids.error : undefined}
        />
      </div>
      {error && (
        <p id={ids.error} role="alert" className="form-error">
          {error.text}
        </p>
      )}
      <button type="submit" className="button button--small account-settings__delete" disabled={busy}>
        {busy ? t('accountSettings.deleting') : t('accountSettings.deleteAccount')}
      </button>
    </form>
  );
}
