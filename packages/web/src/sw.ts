/// <reference lib="webworker" />
// The service worker of the web app (built by vite-plugin-pwa's injectManifest into dist/sw.js).
// It keeps the app shell (index.html, the built JS and CSS, icons, manifest) so the app opens from
// the home screen without a network, and nothing else: the API under /v1 (messages, blobs, the
// WebSocket) and /healthz never pass through a cache. See docs/pwa.md.
// The webworker lib (the first line) gives this file the worker's types (ServiceWorkerGlobalScope,
// FetchEvent, PushEvent…) beside the DOM lib of the rest of the app; `self` is redeclared below.
import { cleanupOutdatedCaches, getCacheKeyForURL, matchPrecache, precache } from 'workbox-precaching';
import { swRouteOf } from './pwa/sw-route.ts';

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
