import type { CinderClient } from '@cinder/sdk';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { isLanguage } from '../i18n/language.ts';
import { notificationTag } from '../pwa/notification-content.ts';
import { loadNotificationPrefs } from '../pwa/notification-prefs.ts';
import { peerToOpen } from '../pwa/open-chat-message.ts';
import { saveWorkerLanguage } from '../pwa/worker-language.ts';
import type { Me } from '../session/sdk-types.ts';
import { goTo } from './use-hash-route.ts';

/** Longest preview of a message's text, in code points, as the server's push previews (about). */
const PREVIEW_LENGTH = 120;

/** The start of `text`, whitespace folded, cut between code points. */
function previewOf(text: string): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  const points = Array.from(folded);
  return points.length <= PREVIEW_LENGTH ? folded : `${points.slice(0, PREVIEW_LENGTH - 1).join('')}…`;
}

/**
 * Notifications of the open tab while it is hidden: the server pushes nothing to a connected
 * device, so the page tells of a peer's new message itself, through the Notification API, when
 * the browser's permission is granted and notifications were not turned off in settings. Worded
 * as the service worker's pushes and tagged the same (one per sender): a burn message says only
 * who sent one; a normal message shows its text only with previews on. A click opens the chat.
 *
 * It also keeps the service worker in step with the page: the app's language for the worker's
 * notifications (worker-language.ts), and the worker's request to open a chat after a click on
 * one of its notifications.
 */
export function useBackgroundNotifications(client: CinderClient, me: Me): void {
  const { i18n } = useTranslation();

  useEffect(() => {
    const language = i18n.language;
    if (isLanguage(language) && typeof indexedDB !== 'undefined')
      void saveWorkerLanguage(language).catch(() => {});
  }, [i18n.language]);

  useEffect(() => {
    const worker = typeof navigator.serviceWorker === 'undefined' ? null : navigator.serviceWorker;
    if (!worker) return;
    const onMessage = (event: MessageEvent) => {
      const peer = peerToOpen(event.data);
      if (peer) goTo(peer);
    };
    worker.addEventListener('message', onMessage);
    worker.startMessages();
    return () => worker.removeEventListener('message', onMessage);
  }, []);

  useEffect(
    () =>
      client.on('message', (message) => {
        if (message.from === me.username) return;
        if (document.visibilityState !== 'hidden') return;
        if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
        const prefs = loadNotificationPrefs();
        if (!prefs.enabled) return;
        const from = message.from;
        const title = message.burn ? i18n.t('notifications.burnTitle', { from }) : from;
        // `renotify` (Chromium; not in TypeScript's DOM lib): a replacing one alerts again.
        const options: NotificationOptions & { renotify: boolean } = {
          tag: notificationTag(from),
          renotify: true,
          lang: i18n.language,
          icon: '/icon-192.png',
          data: { from },
        };
        if (!message.burn) {
          options.body =
            prefs.previews && message.text ? previewOf(message.text) : i18n.t('notifications.newMessage');
        }
        show(title, options, from);
      }),
    [client, me.username, i18n],
  );
}

/**
 * Show a notification from the page. Chrome on Android has no `new Notification` (it throws):
 * there the service worker shows it, and its click handler opens the chat.
 */
function show(title: string, options: NotificationOptions, from: string): void {
  try {
    const notification = new Notification(title, options);
    notification.onclick = () => {
      window.focus();
      goTo(from);
      notification.close();
    };
  } catch {
    void navigator.serviceWorker?.ready.then((registration) => registration.showNotification(title, options));
  }
}
