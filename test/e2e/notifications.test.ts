import type { BurnPushPayload, MessagePushPayload } from '@cinder/protocol';
import type { BrowserContext, CDPSession, Page, Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { type PushReceiver, startPushReceiver } from '../../packages/server/test/push-receiver.ts';
import { marker } from '../kit/index.ts';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { runAxe, seriousViolations, settle } from './page-checks.ts';
import { useBrowserSuite } from './suite.ts';

/** A notification as `registration.getNotifications()` gives it back to the page. */
interface Shown {
  title: string;
  body: string;
  tag: string;
  silent: boolean | null;
  renotify: boolean;
}

/** A notification the page made with `new Notification(…)`, recorded by the init script below. */
interface Made {
  title: string;
  body: string;
  tag: string;
}

/** Waits until a service worker is active and controls the page. */
async function controlled(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
      timeout: WAIT_MS,
    })
    .not.toBeNull();
}

/**
 * Pushes for the page's service worker through the DevTools protocol: Chromium here has no push
 * service to subscribe with (no internet), so the test hands the worker the decrypted payload
 * itself, as the browser would after decrypting a push.
 */
class PushDelivery {
  private constructor(
    private readonly cdp: CDPSession,
    private readonly origin: string,
    private readonly registrationId: string,
  ) {}

  static async attach(page: Page, origin: string): Promise<PushDelivery> {
    const cdp = await page.context().newCDPSession(page);
    const ids = new Set<string>();
    cdp.on(
      'ServiceWorker.workerRegistrationUpdated',
      ({
        registrations,
      }: {
        registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[];
      }) => {
        for (const r of registrations)
          if (!r.isDeleted && r.scopeURL === `${origin}/`) ids.add(r.registrationId);
      },
    );
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => ids.size, { timeout: WAIT_MS }).toBe(1);
    return new PushDelivery(cdp, origin, [...ids][0] ?? '');
  }

  /** Deliver `data` (a payload, JSON-encoded, or a raw string) as one push. */
  async deliver(data: unknown): Promise<void> {
    await this.cdp.send('ServiceWorker.deliverPushMessage', {
      origin: this.origin,
      registrationId: this.registrationId,
      data: typeof data === 'string' ? data : JSON.stringify(data),
    });
  }
}

/** The worker's notifications on display, then closed, so the next push starts from none. */
async function takeShown(page: Page): Promise<Shown[]> {
  let shown: Shown[] = [];
  await expect
    .poll(
      async () => {
        shown = await page.evaluate(async () => {
          const registration = await navigator.serviceWorker.ready;
          const list = await registration.getNotifications();
          for (const n of list) n.close();
          return list.map((n) => ({
            title: n.title,
            body: n.body,
            tag: n.tag,
            silent: n.silent,
            renotify: (n as Notification & { renotify: boolean }).renotify,
          }));
        });
        return shown.length;
      },
      { timeout: WAIT_MS },
    )
    .toBeGreaterThan(0);
  return shown;
}

/** Whether a window of the app is focused and visible, as the worker's `WindowClient` sees it. */
function watched(page: Page): Promise<boolean> {
  return page.evaluate(() => document.hasFocus() && document.visibilityState === 'visible');
}

/**
 * Records every `new Notification(…)` of the page into `window.__made`, and lets the test hide
 * the page: headless Chromium 156 keeps every page `visible` (a minimized window, a tab behind
 * another, `Page.setWebLifecycleState` 'frozen' stops the page instead), so `__setHidden(true)`
 * makes `document.visibilityState` read 'hidden' and fires `visibilitychange`, as a browser does
 * when the tab goes to the background. An init script, so the page's CSP does not apply.
 */
async function recordNotifications(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const made: { title: string; body: string; tag: string }[] = [];
    const w = window as unknown as Record<string, unknown>;
    w.__made = made;
    const Real = window.Notification;
    class Recording extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        made.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' });
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recording, configurable: true, writable: true });
    let hidden = false;
    Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { get: () => hidden });
    w.__setHidden = (value: boolean) => {
      hidden = value;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
}

function made(page: Page): Promise<Made[]> {
  return page.evaluate(() => (window as unknown as { __made: Made[] }).__made);
}

function setHidden(page: Page, hidden: boolean): Promise<void> {
  return page.evaluate(
    (h) => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(h),
    hidden,
  );
}

/** No serious or critical axe-core violation on the page as it is (the settings dialog open). */
async function expectAccessible(app: AppPage, state: string): Promise<void> {
  await settle(app.page);
  expect(seriousViolations(await runAxe(app.page)), `${app.name}: ${state}`).toEqual([]);
  await app.shot(`notifications-${app.name}-${state}`);
}

/** Open the settings dialog from the sidebar; returns the notifications section. */
async function openNotificationSettings(app: AppPage, settings = 'Settings') {
  await app.page.getByRole('button', { name: settings, exact: true }).click();
  return app.page.getByTestId('notifications-settings');
}

describeBrowser('web: notifications that carry no content', () => {
  const suite = useBrowserSuite();

  it(
    'the service worker shows only what the push payload schema allows, tagged by sender, in the app’s language',
    async () => {
      const context = await suite.newContext({ viewport: { width: 1200, height: 780 }, locale: 'en-US' });
      await context.grantPermissions(['notifications'], { origin: suite.url });
      const app = await AppPage.open(context, suite.url, 'pushed');
      await app.signUp('pushed');
      await controlled(app.page);
      const push = await PushDelivery.attach(app.page, suite.url);
      // Silent while a window of the app is watched; a replacing notification alerts otherwise.
      const silent = await watched(app.page);
      const alert = { silent, renotify: !silent };

      const burn: BurnPushPayload = { v: 1, kind: 'burn', from: 'alice' };
      await push.deliver(burn);
      expect(await takeShown(app.page)).toEqual([
        { title: 'alice sent a burn message', body: '', tag: 'cinder:alice', ...alert },
      ]);

      const preview: MessagePushPayload = { v: 1, kind: 'message', from: 'carol', preview: 'see you at 6…' };
      await push.deliver(preview);
      expect(await takeShown(app.page)).toEqual([
        { title: 'carol', body: 'see you at 6…', tag: 'cinder:carol', ...alert },
      ]);

      const bare: MessagePushPayload = { v: 1, kind: 'message', from: 'carol' };
      await push.deliver(bare);
      expect(await takeShown(app.page)).toEqual([
        { title: 'carol', body: 'New message', tag: 'cinder:carol', ...alert },
      ]);

      // Two pushes from one sender: one notification, the later one.
      await push.deliver(bare);
      await push.deliver(preview);
      await expect
        .poll(
          () =>
            app.page.evaluate(async () =>
              (await navigator.serviceWorker.ready).getNotifications().then((l) => l.map((n) => n.body)),
            ),
          {
            timeout: WAIT_MS,
          },
        )
        .toEqual(['see you at 6…']);
      await takeShown(app.page);

      // Payloads the protocol does not allow: a generic line, nothing of the payload.
      const secret = marker();
      const generic = { title: 'Cinder', body: 'New message', tag: 'cinder', ...alert };
      for (const bad of [
        { ...burn, text: secret },
        { ...bare, ext: { note: secret } },
        { v: 2, kind: 'burn', from: 'alice', note: secret },
        { v: 1, kind: 'burn', from: `${secret} x` },
        `not json ${secret}`,
      ]) {
        await push.deliver(bad);
        const shown = await takeShown(app.page);
        expect(shown).toEqual([generic]);
        expect(JSON.stringify(shown)).not.toContain(secret);
      }

      // What the worker's click handler posts to an open window: the page opens that chat itself
      // (its hash route, no reload); a message naming no username is ignored.
      const worker = context.serviceWorkers().find((w) => new URL(w.url()).pathname === '/sw.js');
      expect(worker).toBeDefined();
      const post = (data: unknown) =>
        worker?.evaluate(async (message) => {
          const scope = self as unknown as {
            clients: { matchAll(o: object): Promise<{ postMessage(m: unknown): void }[]> };
          };
          for (const client of await scope.clients.matchAll({ type: 'window' })) client.postMessage(message);
        }, data);
      await app.page.evaluate(() => {
        const hashes: string[] = [];
        (window as unknown as { __hashes: string[] }).__hashes = hashes;
        window.addEventListener('hashchange', () => hashes.push(window.location.hash));
      });
      await post({ type: 'cinder:open-chat', peer: '../evil' });
      await post({ type: 'cinder:open-chat', peer: 'carol' });
      await app.page.getByRole('heading', { name: 'carol', exact: true }).waitFor();
      expect(await app.page.evaluate(() => (window as unknown as { __hashes: string[] }).__hashes)).toEqual([
        '#/c/carol',
      ]);

      // The app switched to Chinese: the worker reads the language the page saved for it.
      const settings = await openNotificationSettings(app);
      await settings.waitFor();
      await app.page.getByRole('radio', { name: '简体中文' }).check();
      await app.page.keyboard.press('Escape');
      await expect
        .poll(
          () =>
            app.page.evaluate(
              () =>
                new Promise<unknown>((resolve) => {
                  const open = indexedDB.open('cinder-worker');
                  open.onsuccess = () => {
                    const db = open.result;
                    if (!db.objectStoreNames.contains('settings')) return resolve(null);
                    const get = db.transaction('settings').objectStore('settings').get('language');
                    get.onsuccess = () => {
                      resolve(get.result);
                      db.close();
                    };
                  };
                  open.onerror = () => resolve(null);
                }),
            ),
          { timeout: WAIT_MS },
        )
        .toBe('zh-CN');
      await push.deliver(burn);
      expect(await takeShown(app.page)).toEqual([
        { title: 'alice 发来一条阅后即焚消息', body: '', tag: 'cinder:alice', ...alert },
      ]);
      await push.deliver(bare);
      expect(await takeShown(app.page)).toEqual([
        { title: 'carol', body: '新消息', tag: 'cinder:carol', ...alert },
      ]);
    },
    TEST_MS,
  );

  it(
    'settings: turning notifications on subscribes or says it could not; previews reach the server only with a subscription',
    async () => {
      const context = await suite.newContext({ viewport: { width: 1200, height: 780 }, locale: 'en-US' });
      await context.grantPermissions(['notifications'], { origin: suite.url });
      const app = await AppPage.open(context, suite.url, 'setter');
      await app.page.emulateMedia({ colorScheme: 'dark' });
      const pushRequests: string[] = [];
      app.page.on('request', (r: Request) => {
        if (new URL(r.url()).pathname.startsWith('/v1/push/'))
          pushRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
      await app.signUp('setter');
      await controlled(app.page);

      const section = await openNotificationSettings(app);
      const status = section.getByRole('status');
      // Permission granted, no push subscription yet: an open tab notifies, a closed one cannot.
      await expect.poll(() => section.getAttribute('data-state'), { timeout: WAIT_MS }).toBe('tabOnly');
      expect(await status.textContent()).toBe(
        'Notifications show while Cinder is open in a tab, not while it is closed.',
      );
      await expectAccessible(app, 'tab-only');

      await section.getByRole('button', { name: 'Turn on notifications' }).click();
      await expect
        .poll(() => section.getAttribute('data-state'), { timeout: WAIT_MS })
        .toMatch(/^(on|failed)$/);
      const previews = section.getByRole('checkbox', { name: 'Show message previews' });
      expect(await previews.isChecked()).toBe(false);
      expect(await section.textContent()).toContain('Burn messages never show any content');
      const state = await section.getAttribute('data-state');
      await expectAccessible(app, state ?? '');
      if (state === 'failed') {
        // Chromium here reaches no push service: the section says so, and the server got nothing.
        expect(await status.textContent()).toMatch(/^Could not subscribe to push notifications/);
        expect(pushRequests.filter((r) => r.startsWith('PUT'))).toEqual([]);
        await previews.check();
        expect(await previews.isChecked()).toBe(true);
        // Kept for the tab's own notifications; the server has no subscription to keep it with.
        expect(await app.page.evaluate(() => localStorage.getItem('cinder-notifications'))).toContain(
          '"previews":true',
        );
        expect(pushRequests.filter((r) => r.includes('/v1/push/preferences'))).toEqual([]);
      } else {
        expect(await status.textContent()).toBe('Notifications are on for this device.');
        expect(pushRequests).toContain('PUT /v1/push/subscription');
        const answered = app.page.waitForResponse((r) => r.url().endsWith('/v1/push/preferences'));
        await previews.check();
        expect(await (await answered).json()).toEqual({ subscribed: true, previews: true });
      }

      await section.getByRole('button', { name: 'Turn off notifications' }).click();
      await expect.poll(() => section.getAttribute('data-state'), { timeout: WAIT_MS }).toBe('off');
      expect(await status.textContent()).toBe('Notifications are off on this device.');
      await expect.poll(() => pushRequests, { timeout: WAIT_MS }).toContain('DELETE /v1/push/subscription');
      const unsubscribed = await app.page.evaluate(async () => {
        const registration = await navigator.serviceWorker.ready;
        return (await registration.pushManager.getSubscription()) === null;
      });
      expect(unsubscribed).toBe(true);
      expect(await section.getByRole('checkbox').count()).toBe(0);

      // Off stays off: the dialog opened again says so.
      await app.page.keyboard.press('Escape');
      await section.waitFor({ state: 'detached' });
      const again = await openNotificationSettings(app);
      await expect.poll(() => again.getAttribute('data-state'), { timeout: WAIT_MS }).toBe('off');
    },
    TEST_MS,
  );

  it(
    'a hidden tab notifies of new messages: a burn message by its sender only, a normal one’s text only with previews on',
    async () => {
      const aliceCtx = await suite.newContext({ viewport: { width: 1200, height: 780 }, locale: 'en-US' });
      const bobCtx = await suite.newContext({ viewport: { width: 1200, height: 780 }, locale: 'en-US' });
      await bobCtx.grantPermissions(['notifications'], { origin: suite.url });
      await recordNotifications(bobCtx);
      const alice = await AppPage.open(aliceCtx, suite.url, 'alice');
      const bob = await AppPage.open(bobCtx, suite.url, 'bob');
      await alice.signUp('alice');
      await bob.signUp('bob');

      // Visible: the page shows the message itself, no notification.
      await alice.openChat('bob');
      await alice.send('hello while you look');
      await bob.page.locator('a.chat-row[data-peer="alice"]').waitFor();
      expect(await made(bob.page)).toEqual([]);

      await setHidden(bob.page, true);
      const burnText = `burn ${marker()}`;
      await alice.send(burnText, { view: '5 s', ttl: '1 hour' });
      await expect
        .poll(() => made(bob.page), { timeout: WAIT_MS })
        .toEqual([{ title: 'alice sent a burn message', body: '', tag: 'cinder:alice' }]);

      const plain = `plain ${marker()}`;
      await alice.send(plain);
      await expect.poll(async () => (await made(bob.page)).length, { timeout: WAIT_MS }).toBe(2);
      expect((await made(bob.page))[1]).toEqual({ title: 'alice', body: 'New message', tag: 'cinder:alice' });
      expect(JSON.stringify(await made(bob.page))).not.toMatch(/burn [0-9a-f]{64}|plain [0-9a-f]{64}/);

      // Previews on (kept in this browser while it has no push subscription).
      await setHidden(bob.page, false);
      const section = await openNotificationSettings(bob);
      await section.getByRole('checkbox', { name: 'Show message previews' }).check();
      await bob.page.keyboard.press('Escape');
      await setHidden(bob.page, true);
      const shown = `shown ${marker()}`;
      await alice.send(shown);
      await expect.poll(async () => (await made(bob.page)).length, { timeout: WAIT_MS }).toBe(3);
      expect((await made(bob.page))[2]).toEqual({ title: 'alice', body: shown, tag: 'cinder:alice' });

      // A burn message still says only who sent it.
      const burnAgain = `burn ${marker()}`;
      await alice.send(burnAgain, { view: '5 s', ttl: '1 hour' });
      await expect.poll(async () => (await made(bob.page)).length, { timeout: WAIT_MS }).toBe(4);
      expect((await made(bob.page))[3]).toEqual({
        title: 'alice sent a burn message',
        body: '',
        tag: 'cinder:alice',
      });
      expect(JSON.stringify(await made(bob.page))).not.toContain(burnAgain);
      expect(JSON.stringify(await made(bob.page))).not.toContain(burnText);
    },
    TEST_MS,
  );
});

/**
 * Gives the page's `PushManager` a subscription with the local push service instead of the
 * browser's (Chromium here reaches none): `subscribe` asks web-push-testing, through
 * `window.__receiverSubscribe`, for a subscription to the given VAPID key, and `getSubscription`
 * answers it. Everything after that is real: the app registers the subscription with the server,
 * the server encrypts and sends its pushes to the local service, which checks the VAPID signature
 * and decrypts them; the test then hands each decrypted payload to the browser's worker.
 */
async function subscribeThroughReceiver(context: BrowserContext, receiver: PushReceiver): Promise<void> {
  await context.exposeFunction('__receiverSubscribe', async (key: string) => {
    const { endpoint, keys } = await receiver.subscribe(key);
    return { endpoint, keys };
  });
  await context.addInitScript(() => {
    type Json = { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
    const w = window as unknown as {
      __receiverSubscribe(key: string): Promise<Omit<Json, 'expirationTime'>>;
    };
    let current: PushSubscription | null = null;
    const base64Url = (bytes: Uint8Array) =>
      btoa(String.fromCharCode(...bytes))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
      const raw = options?.applicationServerKey;
      const key =
        typeof raw === 'string'
          ? raw
          : base64Url(new Uint8Array(ArrayBuffer.isView(raw) ? raw.buffer : (raw as ArrayBuffer)));
      const made = await w.__receiverSubscribe(key);
      const json: Json = { ...made, expirationTime: null };
      const subscription = {
        endpoint: json.endpoint,
        expirationTime: null,
        options: { userVisibleOnly: true, applicationServerKey: null },
        toJSON: () => json,
        getKey: () => null,
        unsubscribe: async () => {
          current = null;
          return true;
        },
      } as unknown as PushSubscription;
      current = subscription;
      return subscription;
    };
    PushManager.prototype.getSubscription = async () => current;
  });
}

describeBrowser('web: notifications end to end through a local push service', () => {
  const suite = useBrowserSuite({ pushInsecureEndpoints: true });

  it(
    'the server’s pushes for a closed tab decrypt to payloads without content, and the worker shows them as the protocol allows',
    async () => {
      await using receiver = await startPushReceiver();
      const aliceCtx = await suite.newContext({ viewport: { width: 1200, height: 780 }, locale: 'en-US' });
      const bobCtx = await suite.newContext({ viewport: { width: 1200, height: 780 }, locale: 'en-US' });
      await bobCtx.grantPermissions(['notifications'], { origin: suite.url });
      await subscribeThroughReceiver(bobCtx, receiver);
      const alice = await AppPage.open(aliceCtx, suite.url, 'alice');
      const bob = await AppPage.open(bobCtx, suite.url, 'bob');
      await alice.signUp('alice');
      await bob.signUp('bob');
      await controlled(bob.page);

      // Turned on in settings: subscribed with the (local) push service and with the server.
      const section = await openNotificationSettings(bob);
      await section.getByRole('button', { name: 'Turn on notifications' }).click();
      await expect.poll(() => section.getAttribute('data-state'), { timeout: WAIT_MS }).toBe('on');
      expect(await section.getByRole('status').textContent()).toBe('Notifications are on for this device.');
      await expectAccessible(bob, 'on');
      const answered = bob.page.waitForResponse((r) => r.url().endsWith('/v1/push/preferences'));
      await section.getByRole('checkbox', { name: 'Show message previews' }).check();
      expect(await (await answered).json()).toEqual({ subscribed: true, previews: true });
      const subscription = await bob.page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).pushManager.getSubscription())?.toJSON(),
      );
      const clientHash = new URL(subscription?.endpoint ?? '').pathname.split('/').at(-1) ?? '';

      // Bob closes the tab: his device has no connection, so the server pushes.
      await bob.page.close();
      const burnText = `burn ${marker()}`;
      const plainText = `plain ${marker()}`;
      await alice.openChat('bob');
      await alice.send(burnText, { view: '5 s', ttl: '1 hour' });
      await alice.bubbles('own-burn').waitFor();
      await alice.send(plainText);
      let payloads: string[] = [];
      await expect
        .poll(
          async () => {
            payloads = await receiver.received({ endpoint: '', keys: { p256dh: '', auth: '' }, clientHash });
            return payloads.length;
          },
          { timeout: WAIT_MS },
        )
        .toBe(2);
      expect(payloads.map((p) => JSON.parse(p))).toEqual([
        { v: 1, kind: 'burn', from: 'alice' },
        { v: 1, kind: 'message', from: 'alice', preview: plainText },
      ]);
      expect(payloads.join('\n')).not.toContain(burnText);

      // The browser's worker shows them (the payloads as the browser would have decrypted them).
      const again = await AppPage.open(bobCtx, suite.url, 'bob again');
      await controlled(again.page);
      const push = await PushDelivery.attach(again.page, suite.url);
      await push.deliver(payloads[0]);
      const burnShown = await takeShown(again.page);
      expect(burnShown.map(({ title, body, tag }) => ({ title, body, tag }))).toEqual([
        { title: 'alice sent a burn message', body: '', tag: 'cinder:alice' },
      ]);
      await push.deliver(payloads[1]);
      const plainShown = await takeShown(again.page);
      expect(plainShown.map(({ title, body, tag }) => ({ title, body, tag }))).toEqual([
        { title: 'alice', body: plainText, tag: 'cinder:alice' },
      ]);
      expect(JSON.stringify([...burnShown, ...plainShown])).not.toContain(burnText);
    },
    TEST_MS,
  );
});
