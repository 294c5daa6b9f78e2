import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, expect, it } from 'vitest';
import { marker } from '../kit/index.ts';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser, launchPersistentChromium } from './browser.ts';
import { attachFile, draftFile, markedPng } from './media-files.ts';
import { useBrowserSuite } from './suite.ts';

/** One Cache Storage entry as the page reads it back. */
interface CacheEntry {
  cache: string;
  url: string;
  body: string;
}

/** Every entry of every cache of the page's origin (the service worker's caches are the same ones). */
function cacheEntries(page: Page): Promise<CacheEntry[]> {
  return page.evaluate(async () => {
    const entries: CacheEntry[] = [];
    for (const cache of await caches.keys()) {
      const store = await caches.open(cache);
      for (const request of await store.keys()) {
        const response = await store.match(request);
        entries.push({ cache, url: request.url, body: response ? await response.text() : '' });
      }
    }
    return entries;
  });
}

/** Waits until a service worker is active and controls the page, and returns its script URL. */
async function controlled(page: Page): Promise<string> {
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
      timeout: WAIT_MS,
    })
    .not.toBeNull();
  return page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? '');
}

/** DevTools network conditions of a device without a network. */
const OFFLINE = { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };

/** The path of `url` without the query (Workbox keys unhashed files with `?__WB_REVISION__=…`). */
const pathOf = (url: string) => new URL(url).pathname;

describeBrowser('web: installable on phones (manifest, service worker, offline shell)', () => {
  const suite = useBrowserSuite();
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
  });

  it(
    'links a manifest with its icons, registers a service worker that controls the page, and Chromium finds it installable',
    async () => {
      // The server sends the worker and the manifest revalidated on each use, so updates are seen.
      for (const [path, type] of [
        ['/sw.js', 'javascript'],
        ['/registerSW.js', 'javascript'],
        ['/manifest.webmanifest', 'application/manifest+json'],
      ] as const) {
        const res = await fetch(`${suite.url}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toContain(type);
        expect(res.headers.get('cache-control'), path).toBe('no-cache');
      }

      // A profile on disk: Chromium reports an incognito context as not installable ("in-incognito").
      const profile = await mkdtemp(join(tmpdir(), 'cinder-e2e-pwa-'));
      cleanup.push(() => rm(profile, { recursive: true, force: true }));
      const context = await launchPersistentChromium(profile, {
        viewport: { width: 390, height: 780 },
        isMobile: true,
        hasTouch: true,
      });
      cleanup.push(() => context.close());
      const app = await AppPage.open(context, suite.url, 'installer');
      const { page } = app;
      const href = await page.locator('link[rel="manifest"]').getAttribute('href');
      expect(href).toBe('/manifest.webmanifest');
      // The registration is a file the CSP allows, not an inline script.
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(await page.locator('script[src="/registerSW.js"]').count()).toBe(1);

      expect(pathOf(await controlled(page))).toBe('/sw.js');

      // The manifest as Chromium parsed it.
      const cdp = await page.context().newCDPSession(page);
      const manifest = (await cdp.send('Page.getAppManifest')) as {
        url: string;
        errors: { message: string; critical: number }[];
        data?: string;
      };
      expect(pathOf(manifest.url)).toBe('/manifest.webmanifest');
      expect(manifest.errors).toEqual([]);
      const data = JSON.parse(manifest.data ?? '{}') as {
        name?: string;
        short_name?: string;
        display?: string;
        start_url?: string;
        scope?: string;
        theme_color?: string;
        background_color?: string;
        icons?: { src: string; sizes: string; type: string; purpose?: string }[];
      };
      expect(data).toMatchObject({
        name: 'Cinder',
        short_name: 'Cinder',
        display: 'standalone',
        start_url: '/',
        scope: '/',
        // --bg of packages/web/src/styles/tokens.css (light).
        theme_color: '#f6f4f1',
        background_color: '#f6f4f1',
      });
      const icons = data.icons ?? [];
      expect(icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual([
        '192x192 any',
        '512x512 any',
        '512x512 maskable',
      ]);
      // Every icon is a PNG of the size it claims.
      for (const icon of icons) {
        const size = await page.evaluate(async (src) => {
          const img = new Image();
          img.src = src;
          await img.decode();
          return `${img.naturalWidth}x${img.naturalHeight}`;
        }, icon.src);
        expect(size, icon.src).toBe(icon.sizes);
        expect(icon.type).toBe('image/png');
      }

      // Chromium's own installability check: no error at all (polled: Chromium may still be
      // looking at the worker it just activated).
      const installabilityErrors = async () =>
        (
          (await cdp.send('Page.getInstallabilityErrors')) as {
            installabilityErrors: { errorId: string }[];
          }
        ).installabilityErrors;
      await expect.poll(installabilityErrors, { timeout: WAIT_MS }).toEqual([]);
      await cdp.detach();
    },
    TEST_MS,
  );

  it(
    'opens offline from the service worker and says Offline; back online it reconnects',
    async () => {
      const context = await suite.newContext();
      const app = await AppPage.open(context, suite.url, 'wanderer');
      await app.signUp('wanderer');
      await controlled(app.page);
      await expect.poll(() => app.connection().getAttribute('data-connection')).toBe('connected');

      await context.setOffline(true);
      // Playwright's offline emulation fails every request but does not carry `navigator.onLine`
      // over to the document a reload creates; on a phone it comes from the OS. DevTools' own
      // emulation on the page, set before the reload, does.
      const cdp = await context.newCDPSession(app.page);
      await cdp.send('Network.emulateNetworkConditions', OFFLINE);
      // The network is really gone, for the page (the worker leaves /healthz to it) and for the
      // worker itself: what the reload shows can only come from the precache.
      const probe = () =>
        fetch('/healthz').then(
          () => 'answered',
          () => 'failed',
        );
      expect(await app.page.evaluate(probe)).toBe('failed');
      const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
      expect(worker.url()).toMatch(/\/sw\.js$/);
      expect(await worker.evaluate(probe)).toBe('failed');

      const response = await app.page.reload();
      expect(response?.fromServiceWorker()).toBe(true);
      // The shell: the saved device's chat list, with the badge saying why nothing moves.
      await app.me('wanderer').waitFor();
      expect(await app.page.evaluate(() => navigator.onLine)).toBe(false);
      await expect.poll(() => app.connection().getAttribute('data-connection')).toBe('offline');
      await app.shot('pwa-offline');

      await context.setOffline(false);
      await cdp.send('Network.emulateNetworkConditions', { ...OFFLINE, offline: false });
      await expect
        .poll(() => app.connection().getAttribute('data-connection'), { timeout: WAIT_MS })
        .toBe('connected');
      expect(app.signIns).toHaveLength(1);
    },
    TEST_MS,
  );

  it(
    'keeps only the app shell in Cache Storage: no /v1 URL, no burn text, no attachment, after a burn exchange',
    async () => {
      const alice = await AppPage.open(await suite.newContext(), suite.url, 'pwa-alice');
      const bob = await AppPage.open(await suite.newContext(), suite.url, 'pwa-bob');
      await alice.signUp('pwa-alice');
      await bob.signUp('pwa-bob');
      for (const app of [alice, bob]) await controlled(app.page);
      // Every API response either page sees; none may come from the worker.
      const fromWorker: string[] = [];
      for (const app of [alice, bob]) {
        app.page.on('response', (r) => {
          if (/^\/(v1|healthz)(\/|$)/.test(pathOf(r.url())) && r.fromServiceWorker())
            fromWorker.push(r.url());
        });
      }

      // A burn text and a burn photo, both opened by Bob and burned.
      const secret = `pwa secret ${marker()}`;
      await alice.openChat('pwa-bob');
      await alice.send(secret, { view: '5 s' });
      await alice.bubbles('own-burn').waitFor();
      const photo = markedPng(64);
      const toggle = alice.page.getByRole('button', { name: 'Burn after reading' });
      if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
      await alice.page.getByRole('radio', { name: '5 s', exact: true }).check();
      await attachFile(alice.page, photo.file);
      await draftFile(alice.page).waitFor();
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => alice.bubbles('own-burn').count(), { timeout: WAIT_MS }).toBe(2);

      const downloaded = bob.page.waitForRequest((r) => r.method() === 'GET' && /\/blob$/.test(r.url()), {
        timeout: WAIT_MS,
      });
      await bob.openChat('pwa-alice');
      await expect.poll(() => bob.bubbles('sealed').count(), { timeout: WAIT_MS }).toBe(2);
      await downloaded;

      const open = /Burn message from pwa-alice/;
      await bob.bubbles('sealed').filter({ hasNotText: 'Photo' }).getByRole('button', { name: open }).click();
      await bob.bubbles('revealed').waitFor();
      expect(await bob.bubbles('revealed').textContent()).toContain(secret);
      await bob.bubbles('sealed').filter({ hasText: 'Photo' }).getByRole('button', { name: open }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'Photo from pwa-alice' });
      await viewer.waitFor();
      await viewer.getByRole('button', { name: 'Close & burn' }).click();
      await viewer.waitFor({ state: 'detached' });
      await expect.poll(() => bob.bubbles('burned').count(), { timeout: WAIT_MS }).toBe(2);
      await expect.poll(() => alice.bubbles('burned').count(), { timeout: WAIT_MS }).toBe(2);

      for (const app of [alice, bob]) {
        const entries = await cacheEntries(app.page);
        // The precache is there (so this listing can see what the worker stored) ...
        const paths = entries.map((e) => pathOf(e.url));
        expect(paths, app.name).toContain('/index.html');
        expect(paths, app.name).toContain('/manifest.webmanifest');
        expect(
          paths.some((p) => /^\/assets\/.+\.js$/.test(p)),
          app.name,
        ).toBe(true);
        // ... and holds nothing but shell files.
        for (const path of paths) {
          expect(path, app.name).toMatch(
            /^\/(index\.html|registerSW\.js|manifest\.webmanifest|favicon\.svg|apple-touch-icon\.png|icon-[\w-]+\.png|assets\/[\w.-]+\.(js|css))$/,
          );
        }
        for (const entry of entries) {
          expect(entry.body, entry.url).not.toContain(secret);
          expect(entry.body, entry.url).not.toContain(photo.marker);
          expect(entry.body, entry.url).not.toContain(photo.file.name);
        }
      }
      expect(fromWorker).toEqual([]);
    },
    TEST_MS,
  );
});
