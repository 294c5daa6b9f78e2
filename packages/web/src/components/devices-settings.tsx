import type { CinderClient, DeviceInfo } from '@cinder/sdk';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/use-format.ts';
import { describeError, hasCode } from '../lib/errors.ts';
import type { Me } from '../session/sdk-types.ts';
import '../styles/devices.css';

/** Props of {@link DevicesSettings}. */
export interface DevicesSettingsProps {
  client: CinderClient;
  me: Me;
}

/** What waits for a second press: one device's sign-out, or every other device's. */
type Confirming = { kind: 'one'; device: DeviceInfo } | { kind: 'others' } | null;

/**
 * The settings dialog's "Devices" section: this account's signed-in devices as the server lists
 * them, this one first and marked, each other one with a "Sign out" that asks first, and "Sign out
 * all other devices". A device signed out here loses its token at once; its open tab goes back to
 * the sign-in screen with a notice (session-controller.ts).
 */
export function DevicesSettings({ client, me }: DevicesSettingsProps) {
  const { t } = useTranslation();
  const format = useFormat();
  const titleId = useId();
  const [devices, setDevices] = useState<readonly DeviceInfo[] | null>(null);
  /** Why the list could not be read (with Try again). */
  const [error, setError] = useState<string | null>(null);
  /** Why a sign-out failed; kept apart from `error`, which the reload after it clears. */
  const [signOutError, setSignOutError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const titleRef = useRef<HTMLHeadingElement>(null);
  // The button a cancelled question came from gets the focus back when it shows again.
  const returnTo = useRef<string | null>(null);
  const focusIfReturning = (key: string) => (button: HTMLButtonElement | null) => {
    if (button && returnTo.current === key) {
      returnTo.current = null;
      button.focus();
    }
  };
  const cancel = (key: string) => {
    returnTo.current = key;
    setConfirming(null);
  };

  const load = useCallback(async () => {
    setError(null);
    try {
      setDevices(order(await client.devices()));
    } catch (failure) {
      setError(describeError(failure, t));
    }
  }, [client, t]);

  useEffect(() => {
    void load();
  }, [load]);

  const others = devices?.filter((d) => !d.current) ?? [];

  async function signOut(targets: readonly DeviceInfo[], kind: 'one' | 'others') {
    setBusy(true);
    setStatus('');
    setSignOutError(null);
    try {
      // One at a time: the list stays true to what the server did if one of them fails. A device
      // the server no longer has (signed out meanwhile, elsewhere) is as asked: go on with the rest.
      for (const device of targets) {
        await client.revokeDevice(device.id).catch((failure: unknown) => {
          if (!hasCode(failure, 'NOT_FOUND')) throw failure;
        });
      }
      const [only] = targets;
      setStatus(
        kind === 'one' && only
          ? t('account.devices.signedOut', { name: only.name })
          : t('account.devices.signedOutAll', { count: targets.length }),
      );
    } catch (failure) {
      setSignOutError(t('account.devices.signOutFailed', { reason: describeError(failure, t) }));
    } finally {
      // The question and the button pressed are gone: the section's heading takes the focus, so
      // a keyboard stays in the dialog where it was (the outcome is announced below).
      setConfirming(null);
      setBusy(false);
      titleRef.current?.focus();
      await load();
    }
  }

  return (
    <section className="settings__group devices" aria-labelledby={titleId} data-testid="devices-settings">
      <h3 id={titleId} ref={titleRef} tabIndex={-1} className="settings__legend devices__title">
        {t('account.devices.title')}
      </h3>
      <p className="settings__hint">{t('account.devices.hint', { username: me.username })}</p>
      {devices === null && !error && <p className="devices__loading">{t('account.devices.loading')}</p>}
      {error && (
        <div className="devices__error">
          <p role="alert">{t('account.devices.failed', { reason: error })}</p>
          <button type="button" className="button button--small" onClick={() => void load()}>
            {t('account.devices.retry')}
          </button>
        </div>
      )}
      {devices && (
        <ul className="devices__list" aria-label={t('account.devices.listLabel', { username: me.username })}>
          {devices.map((device) => (
            <li key={device.id} className="devices__item" data-current={device.current ? 'true' : 'false'}>
              <div className="devices__info">
                <span className="devices__name">
                  {device.name}
                  {device.current && (
                    <span className="devices__badge">{t('account.devices.thisDevice')}</span>
                  )}
                </span>
                <span className="devices__meta">
                  {t('account.devices.added', { date: format.full(device.createdAt) })}
                </span>
                {device.lastSeenAt !== null && !device.current && (
                  <span className="devices__meta">
                    {t('account.devices.lastSeen', { date: format.full(device.lastSeenAt) })}
                  </span>
                )}
              </div>
              {!device.current &&
                (confirming?.kind === 'one' && confirming.device.id === device.id ? (
                  <Confirm
                    question={t('account.devices.confirm', { name: device.name })}
                    busy={busy}
                    onConfirm={() => void signOut([device], 'one')}
                    onCancel={() => cancel(device.id)}
                  />
                ) : (
                  <button
                    type="button"
                    className="button button--small devices__sign-out"
                    ref={focusIfReturning(device.id)}
                    disabled={busy}
                    aria-label={t('account.devices.signOutNamed', { name: device.name })}
                    onClick={() => setConfirming({ kind: 'one', device })}
                  >
                    {t('account.devices.signOut')}
                  </button>
                ))}
            </li>
          ))}
        </ul>
      )}
      {devices &&
        (others.length === 0 ? (
          <p className="settings__hint">{t('account.devices.onlyThis')}</p>
        ) : confirming?.kind === 'others' ? (
          <Confirm
            question={t('account.devices.confirmAll', { count: others.length })}
            busy={busy}
            onConfirm={() => void signOut(others, 'others')}
            onCancel={() => cancel('others')}
          />
        ) : (
          <button
            type="button"
            className="button button--small devices__sign-out-all"
            ref={focusIfReturning('others')}
            disabled={busy}
            onClick={() => setConfirming({ kind: 'others' })}
          >
            {t('account.devices.signOutOthers')}
          </button>
        ))}
      {signOutError && (
        <p className="devices__error" role="alert">
          {signOutError}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {status}
      </p>
    </section>
  );
}

/** A question with Cancel (focused when it shows: the harmless choice) and Sign out; Escape cancels. */
function Confirm({
  question,
  busy,
  onConfirm,
  onCancel,
}: {
  question: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const questionId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  // Once, when the question shows: a ref callback would take the focus back on every render.
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <fieldset
      className="devices__confirm"
      aria-labelledby={questionId}
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || busy) return;
        // Escape answers the question; the settings dialog stays open.
        event.preventDefault();
        onCancel();
      }}
    >
      <p id={questionId} className="devices__question">
        {question}
      </p>
      <div className="devices__actions">
        <button
          type="button"
          className="button button--small"
          ref={cancelRef}
          disabled={busy}
          onClick={onCancel}
        >
          {t('account.devices.cancel')}
        </button>
        <button
          type="button"
          className="button button--small button--primary"
          disabled={busy}
          onClick={onConfirm}
        >
          {busy ? t('account.devices.signingOut') : t('account.devices.signOut')}
        </button>
      </div>
    </fieldset>
  );
}

/** This device first, then the others by when they were last seen (newest first). */
function order(devices: readonly DeviceInfo[]): DeviceInfo[] {
  return [...devices].sort(
    (a, b) =>
      Number(b.current) - Number(a.current) || (b.lastSeenAt ?? b.createdAt) - (a.lastSeenAt ?? a.createdAt),
  );
}
