// This browser's notification choices, kept in localStorage beside the language. The server keeps
// its own copy of `previews` for its pushes while the device has a push subscription; this one
// also rules the page's own notifications (a hidden tab), which the server has no part in.

/** Where the choices are kept (localStorage). */
export const NOTIFICATION_PREFS_KEY = 'cinder-notifications';

/** This browser's notification choices. */
export interface NotificationPrefs {
  /**
   * False once notifications were turned off in settings; the page then shows none, whatever
   * the browser's permission. @default true (the permission alone decides)
   */
  enabled: boolean;
  /** A normal message's text in its notification. Burn messages never show content. @default false */
  previews: boolean;
}

const DEFAULTS: NotificationPrefs = { enabled: true, previews: false };

/** The saved choices, or the defaults when none are saved or storage cannot be read. */
export function loadNotificationPrefs(): NotificationPrefs {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(NOTIFICATION_PREFS_KEY) ?? 'null');
    if (typeof saved !== 'object' || saved === null) return { ...DEFAULTS };
    const { enabled, previews } = saved as Record<string, unknown>;
    return {
      enabled: typeof enabled === 'boolean' ? enabled : DEFAULTS.enabled,
      previews: typeof previews === 'boolean' ? previews : DEFAULTS.previews,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

/** Save a change of the choices; returns them whole. */
export function saveNotificationPrefs(change: Partial<NotificationPrefs>): NotificationPrefs {
  const prefs = { ...loadNotificationPrefs(), ...change };
  try {
    localStorage.setItem(NOTIFICATION_PREFS_KEY, JSON.stringify(prefs));
  } catch {
    // Storage may be off (a private window's policy): the choice holds for this page only.
  }
  return prefs;
}
