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

/** The push subscription of the app's service worker, or false when no worker is registered. */
async function pushSubscription(): Promise<PushSubscription | null | false> {
  const registration = await workerRegistration();
  return registration ? registration.pushManager.getSubscription() : false;
}

/** This device's state as the browser and the server see it. */
async function probe(client: CinderClient): Promise<{ state: NotificationState; previews: boolean }> {
  const prefs = loadNotificationPrefs();
  if (!notificationsSupported()) return { state: 'unsupported', previews: prefs.previews };
  if (Notification.permission === 'denied') return { state: 'denied', previews: prefs.previews };
  const granted = Notification.permission === 'granted' && prefs.enabled;
  const found = await Promise.all([pushSubscription(), client.pushStatus().catch(() => null)]).catch(
    () => null,
  );
  // The browser could not tell (its service worker or push manager threw): the tab's own
  // notifications still work, and turning on tries again and says what failed.
  if (!found) return { state: granted ? 'tabOnly' : 'off', previews: prefs.previews };
  const [subscription, status] = found;
  if (subscription === false) return { state: 'unsupported', previews: prefs.previews };
  if (granted && subscription && status?.subscribed) {
    // The server's copy rules its pushes; the page follows it.
    saveNotificationPrefs({ previews: status.previews });
    return { state: 'on', previews: status.previews };
  }
  return { state: granted ? 'tabOnly' : 'off', previews: prefs.previews };
}

/** Ask for the permission, then subscribe this device; never rejects (a failure is a state). */
async function enable(client: CinderClient): Promise<NotificationState> {
  let permission: NotificationPermission;
  try {
    permission = await Notification.requestPermission();
  } catch {
    return 'off';
  }
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'off';
  saveNotificationPrefs({ enabled: true });
  try {
    const registration = await workerRegistration();
    if (!registration) return 'failed';
    await subscribeDevice(client, registration);
    return 'on';
  } catch {
    return 'failed';
  }
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
      setState(await enable(client));
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
      // Busy until the server answers: a second change before then could be undone by the first's failure.
      setBusy(true);
      try {
        await client.setPushPreviews(next);
      } catch {
        setPreviews(!next);
        saveNotificationPrefs({ previews: !next });
        setPreviewsFailed(true);
      } finally {
        setBusy(false);
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
