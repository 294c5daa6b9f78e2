import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppPage } from './app-page.ts';
import { describeBrowser, launchChromium } from './browser.ts';
import { ensureWebBuilt } from './web-build.ts';
import { startWebServer, type WebServer } from './web-server.ts';

describeBrowser('web: an unopened burn message expires', () => {
  let server: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    // The server clamps every ttl to its --max-ttl: 6 s here, so "1 hour" expires while we watch.
    server = await startWebServer({ maxTtlSeconds: 6 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the sealed bubble counts down its lifetime, then both sides show "expired unopened"', async () => {
    const alice = await AppPage.open(await browser.newContext(), server.url, 'alice');
    const bob = await AppPage.open(await browser.newContext({ colorScheme: 'dark' }), server.url, 'bob');
    await alice.signUp('ealice');
    await bob.signUp('ebob');
    const secret = `never opened ${randomBytes(6).toString('hex')}`;
    await alice.openChat('ebob');
    await alice.send(secret, { view: '10 s', ttl: '1 hour' });
    await alice.bubbles('own-burn').waitFor();
    expect(await alice.bubbles('own-burn').textContent()).toMatch(/burns unopened in [1-6]\ss/);

    await bob.openChat('ealice');
    const sealed = bob.bubbles('sealed');
    await sealed.waitFor();
    expect(await sealed.textContent()).toMatch(/burns in [1-6]\ss/);

    const gone = bob.bubbles('burned');
    await gone.waitFor({ timeout: 12_000 });
    expect(await gone.textContent()).toMatch(/expired unopened/);
    expect(await bob.bubbles('sealed').count()).toBe(0);
    await alice.bubbles('burned').waitFor();
    expect(await alice.bubbles('burned').textContent()).toMatch(/expired unopened/);
    for (const app of [alice, bob]) {
      expect(await app.everything()).not.toContain(secret);
      app.expectNoProblems();
    }
    await bob.shot('14-bob-expired');
  }, 30_000);
});
