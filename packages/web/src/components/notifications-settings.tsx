import type { CinderClient } from '@cinder/sdk';
import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadNotificationPrefs, saveNotificationPrefs } from '../pwa/notification-prefs.ts';
import {
  notificationsSupported,
  subscribeDevice,
  unsubscribeDevice,
  workerRegistration,
} from '../pwa/push-setup.ts';
import type { Me } from '../session/sdk-types.ts';
import '../styles/notifications.css';

/** Props of {@link NotificationsSettings}: what the settings dialog gives every section. */
export interface NotificationsSettingsProps {
  client: CinderClient;
  me: Me;
}

/**
 * Where this device stands:
 * - `unsupported`: no Notification API, service worker or Push here;
 * - `denied`: the person blocked notifications for the site (only the browser can undo it);
 * - `off`: turned off, or never turned on;
 * - `on`: push subscription with the push service and the server, plus the hidden tab's own;
 * - `tabOnly`: permission, but no push subscription: only an open (hidden) tab notifies;
 * - `failed`: turning on got the permission, but the push service or the server refused.
 */
type NotificationState = 'checking' | 'unsupported' | 'denied' | 'off' | 'on' | 'tabOnly' | 'failed';

/** This device's state as the browser and the server see it. */
async function probe(client: CinderClient): Promise<{ state: NotificationState; previews: boolean }> {
  const prefs = loadNotificationPrefs();
  if (!notificationsSupported()) return { state: 'unsupported', previews: prefs.previews };
  if (Notification.permission === 'denied') return { state: 'denied', previews: prefs.previews };
  const registration = await workerRegistration();
  if (!registration) return { state: 'unsupported', previews: prefs.previews };
  const granted = Notification.permission === 'granted' && prefs.enabled;
  const [subscription, status] = await Promise.all([
    registration.pushManager.getSubscription(),
    client.pushStatus().catch(() => null),
  ]);
  if (granted && subscription && status?.subscribed) {
    // The server's copy rules its pushes; the page follows it.
    saveNotificationPrefs({ previews: status.previews });
    return { state: 'on', previews: status.previews };
  }
  return { state: granted ? 'tabOnly' : 'off', previews: prefs.previews };
}

/**
 * The settings section for notifications on this device: turn them on (the browser's permission,
 * then a push subscription registered with the server) or off (both ends unsubscribed), and
 * whether a normal message's text shows in them. A burn message's notification only ever says
 * who sent one. Every state says what the person gets, including a push service that cannot be
 * reached (the hidden tab still notifies).
 */
export function NotificationsSettings({ client }: NotificationsSettingsProps) {
  const { t } = useTranslation();
  const id = useId();
  const [state, setState] = useState<NotificationState>('checking');
  const [previews, setPreviews] = useState(() => loadNotificationPrefs().previews);
  const [busy, setBusy] = useState(false);
  const [previewsFailed, setPreviewsFailed] = useState(false);

  useEffect(() => {
    let live = true;
    void probe(client).then((found) => {
      if (!live) return;
      setState(found.state);
      setPreviews(found.previews);
    });
    return () => {
      live = false;
    };
  }, [client]);

  const turnOn = useCallback(async () => {
    setBusy(true);
    try {
      const permission = await Notification.requestPermission();
      if (permission === 'denied') return setState('denied');
      if (permission !== 'granted') return setState('off');
      saveNotificationPrefs({ enabled: true });
      const registration = await workerRegistration();
      if (!registration) return setState('failed');
      try {
        await subscribeDevice(client, registration);
        setState('on');
      } catch {
        setState('failed');
      }
    } finally {
      setBusy(false);
    }
  }, [client]);

  const turnOff = useCallback(async () => {
    setBusy(true);
    saveNotificationPrefs({ enabled: false });
    try {
      await unsubscribeDevice(client, await workerRegistration());
    } catch {
      // The server drops a subscription the push service calls gone; the page shows none either way.
    } finally {
      setState('off');
      setBusy(false);
    }
  }, [client]);

  const changePreviews = useCallback(
    async (next: boolean) => {
      setPreviewsFailed(false);
      setPreviews(next);
      saveNotificationPrefs({ previews: next });
      // The server keeps the choice only for a subscription it has.
      if (state !== 'on') return;
      try {
        await client.setPushPreviews(next);
      } catch {
        setPreviews(!next);
        saveNotificationPrefs({ previews: !next });
        setPreviewsFailed(true);
      }
    },
    [client, state],
  );

  const enabled = state === 'on' || state === 'tabOnly' || state === 'failed';
  const canTurnOn = state === 'off' || state === 'tabOnly' || state === 'failed';

  return (
    <fieldset
      className="settings__group notifications"
      aria-describedby={`${id}-hint`}
      aria-busy={busy || state === 'checking'}
      data-testid="notifications-settings"
      data-state={state}
    >
      <legend className="settings__legend">{t('notifications.title')}</legend>
      <p id={`${id}-hint`} className="settings__hint">
        {t('notifications.hint')}
      </p>
      <p className="notifications__status" role="status" data-state={state}>
        {t(`notifications.${state}`)}
      </p>
      {(canTurnOn || enabled) && (
        <div className="notifications__actions">
          {canTurnOn && (
            <button
              type="button"
              className="button button--small"
              disabled={busy}
              onClick={() => void turnOn()}
            >
              {t('notifications.turnOn')}
            </button>
          )}
          {enabled && (
            <button
              type="button"
              className="button button--small"
              disabled={busy}
              onClick={() => void turnOff()}
            >
              {t('notifications.turnOff')}
            </button>
          )}
        </div>
      )}
      {enabled && (
        <>
          <label className="settings__option">
            <input
              type="checkbox"
              className="settings__radio"
              checked={previews}
              disabled={busy}
              aria-describedby={`${id}-previews`}
              onChange={(event) => void changePreviews(event.target.checked)}
            />
            {t('notifications.previews')}
          </label>
          <p id={`${id}-previews`} className="settings__hint">
            {t('notifications.previewsHint')}
          </p>
          {previewsFailed && (
            <p className="notifications__error" role="alert">
              {t('notifications.previewsFailed')}
            </p>
          )}
        </>
      )}
    </fieldset>
  );
}
