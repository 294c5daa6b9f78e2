import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ServerProcess } from '../kit/index.ts';
import { AppPage, SETUP_MS, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser, launchChromium } from './browser.ts';
import { ensureWebBuilt } from './web-build.ts';

describeBrowser('web: the server restarts mid-conversation', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
  }, SETUP_MS);

  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
  });

  it(
    'both pages show the outage, recover without a reload, and later messages flow',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'cinder-e2e-restart-'));
      cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
      // The real entry point in a child process, so it can stop and come back on the same port.
      const server = new ServerProcess(dataDir);
      await server.start(0);
      cleanup.push(() => server.stop('SIGKILL'));
      browser = await launchChromium();
      cleanup.push(() => browser.close());

      const aliceCtx = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      const bobCtx = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true });
      const alice = await AppPage.open(aliceCtx, server.url, 'alice');
      const bob = await AppPage.open(bobCtx, server.url, 'bob');
      await alice.signUp('alice');
      await bob.signUp('bob');
      await alice.openChat('bob');
      await alice.send('before the restart');
      await bob.openChat('alice');
      await bob.message('before the restart').waitFor();

      // A mark on each page's window: still there afterwards means no reload happened.
      for (const app of [alice, bob])
        await app.page.evaluate(() => Object.assign(window, { __sameLoad: true }));

      expect(await server.stop('SIGTERM')).toBe(0);
      for (const app of [alice, bob]) {
        await app
          .connection()
          .filter({ hasText: /Reconnecting|Offline/ })
          .waitFor({ timeout: WAIT_MS });
      }
      // A message written during the outage waits for the connection instead of failing.
      await alice.send('written while the server was down');
      await alice.message('Waiting for connection…').waitFor();
      await alice.shot('11-alice-reconnecting');

      await server.start(server.port);
      for (const app of [alice, bob]) {
        await app.connection().filter({ hasText: 'Connected' }).waitFor({ timeout: WAIT_MS });
        expect(await app.page.evaluate(() => (window as { __sameLoad?: boolean }).__sameLoad)).toBe(true);
      }
      await bob.message('written while the server was down').waitFor({ timeout: WAIT_MS });

      // And the conversation carries on, both ways.
      await bob.send('after the restart, from bob');
      await alice.message('after the restart, from bob').waitFor();
      await alice.send('and back from alice');
      await bob.message('and back from alice').waitFor();
      await bob.shot('12-bob-after-restart');
      alice.expectNoProblems();
      bob.expectNoProblems();
    },
    TEST_MS,
  );
});
