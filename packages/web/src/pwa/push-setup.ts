import type { CinderClient } from '@cinder/sdk';
import { loadNotificationPrefs } from './notification-prefs.ts';

// The browser's side of a Web Push subscription: the service worker's PushManager. The server's
// side (`client.subscribePush` and friends) is in packages/server/docs/push.md.

/** True when this browser has what notifications need: the Notification API, a service worker, Push. */
export function notificationsSupported(): boolean {
  return (
    typeof Notification !== 'undefined' && 'serviceWorker' in navigator && typeof PushManager !== 'undefined'
  );
}

/** The app's service worker registration, or null (none registered, e.g. `npm run dev`). */
export async function workerRegistration(): Promise<ServiceWorkerRegistration | null> {
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

/** Bytes of a base64url string (the VAPID key as the server gives it). */
function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Subscribe this browser with the push service and register the subscription with the server,
 * with the saved preview choice. A subscription left from an earlier key is replaced (the
 * browser refuses a second one for another key). Throws when the push service or the server
 * refuses; the browser is then left without a subscription.
 */
export async function subscribeDevice(
  client: CinderClient,
  registration: ServiceWorkerRegistration,
): Promise<void> {
  const key = base64UrlBytes(await client.pushKey());
  await (await registration.pushManager.getSubscription())?.unsubscribe();
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: key,
  });
  try {
    await client.subscribePush(subscription.toJSON(), { previews: loadNotificationPrefs().previews });
  } catch (error) {
    await subscription.unsubscribe().catch(() => {});
    throw error;
  }
}

/** End both halves of the subscription: the push service's and the server's. */
export async function unsubscribeDevice(
  client: CinderClient,
  registration: ServiceWorkerRegistration | null,
): Promise<void> {
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
  await client.unsubscribePush();
}
