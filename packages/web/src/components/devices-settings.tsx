import type { CinderClient, DeviceInfo } from '@cinder/sdk';
import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n/use-format.ts';
import { describeError } from '../lib/errors.ts';
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
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');

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

  async function signOut(targets: readonly DeviceInfo[]) {
    setBusy(true);
    setStatus('');
    try {
      // One at a time: the list stays true to what the server did if one of them fails.
      for (const device of targets) await client.revokeDevice(device.id);
      const [only] = targets;
      setStatus(
        targets.length === 1 && only && confirming?.kind === 'one'
          ? t('account.devices.signedOut', { name: only.name })
          : t('account.devices.signedOutAll', { count: targets.length }),
      );
      setConfirming(null);
    } catch (failure) {
      setError(describeError(failure, t));
    } finally {
      setBusy(false);
      await load();
    }
  }

  return (
    <section className="settings__group devices" aria-labelledby={titleId} data-testid="devices-settings">
      <h3 id={titleId} className="settings__legend devices__title">
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
                    onConfirm={() => void signOut([device])}
                    onCancel={() => setConfirming(null)}
                  />
                ) : (
                  <button
                    type="button"
                    className="button button--small devices__sign-out"
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
            onConfirm={() => void signOut(others)}
            onCancel={() => setConfirming(null)}
          />
        ) : (
          <button
            type="button"
            className="button button--small devices__sign-out-all"
            disabled={busy}
            onClick={() => setConfirming({ kind: 'others' })}
          >
            {t('account.devices.signOutOthers')}
          </button>
        ))}
      <p className="visually-hidden" aria-live="polite">
        {status}
      </p>
    </section>
  );
}

/** A question with Cancel (focused: the harmless choice) and Sign out. */
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
  return (
    <div className="devices__confirm">
      <p className="devices__question">{question}</p>
      <div className="devices__actions">
        <button
          type="button"
          className="button button--small"
          ref={(el) => el?.focus()}
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
    </div>
  );
}

/** This device first, then the others by when they were last seen (newest first). */
function order(devices: readonly DeviceInfo[]): DeviceInfo[] {
  return [...devices].sort(
    (a, b) =>
      Number(b.current) - Number(a.current) || (b.lastSeenAt ?? b.createdAt) - (a.lastSeenAt ?? a.createdAt),
  );
}
