import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AppPage, SETUP_MS, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser, launchChromium, launchPersistentChromium } from './browser.ts';
import { ensureWebBuilt } from './web-build.ts';
import { startWebServer, type WebServer } from './web-server.ts';

describeBrowser('web: revoking burn messages', () => {
  let server: WebServer;
  let browser: Browser;
  const cleanup: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startWebServer();
    browser = await launchChromium();
  }, SETUP_MS);

  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, SETUP_MS);

  async function context(): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    cleanup.push(() => ctx.close());
    return ctx;
  }

  it(
    'Alice revokes before Bob opens: his sealed bubble becomes a revoked placeholder',
    async () => {
      const alice = await AppPage.open(await context(), server.url, 'alice');
      const bob = await AppPage.open(await context(), server.url, 'bob');
      await alice.signUp('alice1');
      await bob.signUp('bob1');

      const secret = `revoke me ${randomBytes(6).toString('hex')}`;
      await alice.openChat('bob1');
      await alice.send(secret, { view: '10 s' });
      await alice.bubbles('own-burn').waitFor();

      await bob.openChat('alice1');
      await bob.bubbles('sealed').waitFor();
      expect(await bob.everything()).not.toContain(secret);

      await alice.page.getByRole('button', { name: /^Revoke burn message/ }).click();
      const mine = alice.bubbles('burned');
      await mine.waitFor();
      expect(await mine.textContent()).toMatch(/you revoked it/);

      const theirs = bob.bubbles('burned');
      await theirs.waitFor();
      expect(await theirs.textContent()).toMatch(/revoked by alice1/);
      expect(await bob.bubbles('sealed').count()).toBe(0);
      await bob.shot('08-bob-revoked');
      await alice.shot('09-alice-revoked');

      expect(await alice.everything()).not.toContain(secret);
      expect(await bob.everything()).not.toContain(secret);
      alice.expectNoProblems();
      bob.expectNoProblems();
    },
    TEST_MS,
  );

  it(
    'Bob is offline while Alice sends and revokes: when he comes back there is no trace',
    async () => {
      const profile = await mkdtemp(join(tmpdir(), 'cinder-e2e-bob-'));
      cleanup.push(() => rm(profile, { recursive: true, force: true }));
      const alice = await AppPage.open(await context(), server.url, 'alice');
      await alice.signUp('alice2');

      // Bob's browser keeps its profile on disk, so his device and IndexedDB survive closing it.
      let bobCtx = await launchPersistentChromium(profile, { viewport: { width: 1100, height: 720 } });
      cleanup.push(() => bobCtx.close());
      let bob = await AppPage.open(bobCtx, server.url, 'bob');
      await bob.signUp('bob2');

      // One sealed message reaches Bob's store while he is online.
      const first = `first ${randomBytes(6).toString('hex')}`;
      await alice.openChat('bob2');
      await alice.send(first, { view: '5 s' });
      await bob.openChat('alice2');
      await bob.bubbles('sealed').waitFor();
      await bobCtx.close();

      // Bob is gone. Alice sends a second one and revokes both.
      const second = `second ${randomBytes(6).toString('hex')}`;
      await alice.send(second, { view: '5 s' });
      await expectCount(alice, 'own-burn', 2);
      for (let i = 0; i < 2; i++) {
        await alice.page
          .getByRole('button', { name: /^Revoke burn message/ })
          .first()
          .click();
        await expectCount(alice, 'burned', i + 1);
      }
      expect(await alice.everything()).not.toContain(first);
      expect(await alice.everything()).not.toContain(second);

      // Bob comes back: the same device resumes, learns the burns before showing anything.
      bobCtx = await launchPersistentChromium(profile, { viewport: { width: 1100, height: 720 } });
      cleanup.push(() => bobCtx.close());
      bob = await AppPage.open(bobCtx, `${server.url}/#/c/alice2`, 'bob');
      await bob.page.getByRole('heading', { name: 'alice2', exact: true }).waitFor();
      await bob.bubbles('burned').first().waitFor();
      await bob.connection().filter({ hasText: 'Connected' }).waitFor();
      expect(await bob.bubbles('sealed').count()).toBe(0);
      const everything = await bob.everything();
      expect(everything).not.toContain(first);
      expect(everything).not.toContain(second);
      expect(bob.signIns).toEqual([]);
      await bob.shot('10-bob-back-after-revoke');
      alice.expectNoProblems();
      bob.expectNoProblems();
    },
    TEST_MS,
  );
});

async function expectCount(app: AppPage, kind: string, n: number): Promise<void> {
  await expect.poll(() => app.bubbles(kind).count(), { timeout: WAIT_MS }).toBe(n);
}
