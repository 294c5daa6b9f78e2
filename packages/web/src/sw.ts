/// <reference lib="webworker" />
// The service worker of the web app (built by vite-plugin-pwa's injectManifest into dist/sw.js).
// It keeps the app shell (index.html, the built JS and CSS, icons, manifest) so the app opens from
// the home screen without a network, and nothing else: the API under /v1 (messages, blobs, the
// WebSocket) and /healthz never pass through a cache. It also shows the notifications of Web Push
// (docs/pwa.md, "Notifications"): who sent a message, never a burn message's content.
// The webworker lib (the first line) gives this file the worker's types (ServiceWorkerGlobalScope,
// FetchEvent, PushEvent…) beside the DOM lib of the rest of the app; `self` is redeclared below.
// First: zod must be configured before the protocol's schemas exist (see the module).
import './zod-jitless.ts';
import { cleanupOutdatedCaches, getCacheKeyForURL, matchPrecache, precache } from 'workbox-precaching';
import { notificationFor } from './pwa/notification-content.ts';
import { chatUrl, openChatMessage, peerToOpen } from './pwa/open-chat-message.ts';
import { swRouteOf } from './pwa/sw-route.ts';
import { workerLanguage } from './pwa/worker-language.ts';

declare const self: ServiceWorkerGlobalScope;

/** The shell every navigation falls back to when the network fails. */
const SHELL = '/index.html';
/**
 * How long a navigation waits for the network before the precached shell answers. On a
 * connection that neither fails nor answers ("lie-fi") the app still opens; the shell is the same
 * file the server would send, unless a deploy happened since this worker installed.
 */
const NAVIGATION_TIMEOUT_MS = 4000;

// Written into the precache at install (the list is injected at build time); the worker fetches
// nothing else into a cache, ever.
precache(self.__WB_MANIFEST);
// Caches of older Workbox precache formats, if an older build left one.
cleanupOutdatedCaches();

// An update takes over at once (autoUpdate): the shell holds no state a new worker could break,
// and a waiting worker would keep a stale shell on every home-screen launch until all tabs closed.
// Open tabs are never reloaded (that would throw away an opened burn message): they keep the code
// they loaded and get the new shell on their next navigation.
self.addEventListener('install', () => {
  void self.skipWaiting();
});
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  const isPrecached = (u: URL) => getCacheKeyForURL(u.href) !== undefined;
  switch (swRouteOf({ url, mode: request.mode, method: request.method }, self.location.origin, isPrecached)) {
    case 'network':
      // No respondWith: the browser fetches as if there were no worker.
      return;
    case 'shell':
      event.respondWith(navigation(request));
      return;
    case 'precache':
      event.respondWith(precached(request));
      return;
  }
});

/** A page load: the network's index.html (the server sends it `no-cache`), else the precached one. */
async function navigation(request: Request): Promise<Response> {
  const network = fetch(request);
  // Handled here; the rejection still reaches the awaits below.
  network.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), NAVIGATION_TIMEOUT_MS);
  });
  try {
    const response = await Promise.race([network, timeout]);
    if (response) return response;
  } catch {
    // offline or refused: the shell below
  } finally {
    clearTimeout(timer);
  }
  const shell = await matchPrecache(SHELL);
  return shell ?? network;
}

/** A shell file: from the precache, or from the network if the entry went missing. */
async function precached(request: Request): Promise<Response> {
  return (await matchPrecache(request)) ?? fetch(request);
}

// A push: the server's payload, fixed by the protocol (`PushPayload`), decrypted by the browser.
// Every push shows a notification (the subscription is `userVisibleOnly`); it is silent while a
// window of the app is focused and visible, which shows the message itself.
self.addEventListener('push', (event) => {
  event.waitUntil(showPush(event.data));
});

async function showPush(data: PushMessageData | null): Promise<void> {
  let payload: unknown;
  try {
    payload = data?.json();
  } catch {
    // Not JSON: not a Cinder push; notificationFor shows nothing of it.
  }
  const [language, windows] = await Promise.all([
    workerLanguage(self.navigator.languages),
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }),
  ]);
  const watched = windows.some((w) => w.focused && w.visibilityState === 'visible');
  const { title, options } = notificationFor(payload, language, watched);
  await self.registration.showNotification(title, options);
}

// A click opens the chat with the sender: in a window of the app if one is open (it moves its own
// hash route, see open-chat-message.ts), else in a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openChat(peerToOpen({ type: 'cinder:open-chat', peer: event.notification.data?.from })));
});

async function openChat(peer: string | null): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const target = windows.find((w) => w.focused) ?? windows[0];
  if (target) {
    const focused = await target.focus();
    if (peer) focused.postMessage(openChatMessage(peer));
    return;
  }
  await self.clients.openWindow(peer ? chatUrl(peer) : '/');
}
