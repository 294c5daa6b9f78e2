import { PushPayload } from '@cinder/protocol';
import type { Language } from '../i18n/language.ts';
import { WORKER_STRINGS } from './notification-strings.ts';

/** The tag of a sender's notifications: a second one from the same sender replaces the first. */
export function notificationTag(from: string): string {
  return `cinder:${from}`;
}

/** The tag of a push the worker could not read: one such notification at a time. */
export const FALLBACK_TAG = 'cinder';

/** What the worker shows for one push: `showNotification(title, options)`. */
export interface NotificationContent {
  title: string;
  /** `renotify` (not in TypeScript's DOM lib; Chromium has it): a replacing notification alerts again. */
  options: NotificationOptions & { data: { from: string | null }; renotify: boolean };
}

/**
 * The notification for a push's decrypted payload (`event.data.json()`, or `undefined` when it
 * had none or was not JSON). Only what `PushPayload` (strict) allows reaches the screen:
 * - burn: "{from} sent a burn message", no body, whatever else the payload held;
 * - message: "{from}", the preview as body when there is one, else "New message";
 * - anything else (no payload, another version, a field too many): "Cinder" / "New message",
 *   nothing of the payload. Chrome subscribes with `userVisibleOnly`, so every push shows
 *   something; a generic line is better than Chrome's own "updated in the background".
 * `silent` when a window of the app is focused and visible (it shows the message itself).
 * No `badge`: Android draws a badge from its alpha channel alone, and the app icon is opaque.
 */
export function notificationFor(payload: unknown, language: Language, silent: boolean): NotificationContent {
  const strings = WORKER_STRINGS[language];
  const parsed = PushPayload.safeParse(payload);
  // A second message from the same sender replaces the first (same tag) and alerts again, unless
  // silent: the spec refuses `renotify` with `silent`.
  const base = { lang: language, icon: '/icon-192.png', silent, renotify: !silent };
  if (!parsed.success) {
    return {
      title: strings.fallbackTitle,
      options: { ...base, body: strings.newMessage, tag: FALLBACK_TAG, data: { from: null } },
    };
  }
  const push = parsed.data;
  const tag = notificationTag(push.from);
  const data = { from: push.from };
  switch (push.kind) {
    case 'burn':
      return { title: strings.burnTitle(push.from), options: { ...base, tag, data } };
    case 'message':
      return { title: push.from, options: { ...base, body: push.preview ?? strings.newMessage, tag, data } };
  }
}
