/**
 * Regenerates docs/screenshot.png: Alice on a laptop (light) beside Bob on a phone (dark), mid-
 * conversation, with every burn state on screen. Not a test; run `npx tsx test/e2e/showcase.ts`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppPage } from './app-page.ts';
import { launchChromium } from './browser.ts';
import { ensureWebBuilt, ROOT } from './web-build.ts';
import { startWebServer } from './web-server.ts';

await ensureWebBuilt();
const server = await startWebServer();
const browser = await launchChromium();
try {
  const aliceCtx = await browser.newContext({
    viewport: { width: 1040, height: 700 },
    colorScheme: 'light',
    deviceScaleFactor: 1,
  });
  const bobCtx = await browser.newContext({
    viewport: { width: 360, height: 700 },
    colorScheme: 'dark',
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 1,
  });
  const alice = await AppPage.open(aliceCtx, server.url, 'alice');
  const bob = await AppPage.open(bobCtx, server.url, 'bob');
  await alice.signUp('alice');
  await bob.signUp('bob');
  // A second chat so the list is not lonely.
  const carol = await AppPage.open(await browser.newContext(), server.url, 'carol');
  await carol.signUp('carol');
  await carol.openChat('alice');
  await carol.send('Lunch on Friday?');

  await alice.openChat('bob');
  await alice.send('Hey! Sending the wifi password for the cabin 🔥');
  await bob.openChat('alice');
  await bob.message('wifi password').waitFor();
  await bob.send('Perfect, go ahead');
  await alice.message('go ahead').waitFor();
  await alice.send('cabin-wifi: ember-lake-2931', { view: '10 s', ttl: '1 day' });
  await bob.bubbles('sealed').waitFor();
  await bob.bubbles('sealed').getByRole('button').click();
  await bob.bubbles('revealed').waitFor();
  await alice.bubbles('burned').waitFor();
  await alice.send('And the door code, when you get there', { view: '30 s', ttl: '7 days' });
  await alice.bubbles('own-burn').getByText('Delivered').waitFor();
  await bob.send('Got it, thanks!');
  await alice.message('Got it').waitFor();
  await bob.bubbles('sealed').waitFor();
  await bob.page.waitForTimeout(1200);

  const [left, right] = await Promise.all([
    alice.page.screenshot({ animations: 'disabled' }),
    bob.page.screenshot({ animations: 'disabled' }),
  ]);
  const frame = await (await browser.newContext({ viewport: { width: 1500, height: 800 } })).newPage();
  await frame.setContent(`<!doctype html><html><body style="margin:0;background:linear-gradient(135deg,#2a1a10,#120c0a 60%,#3a0d1c);display:flex;gap:40px;align-items:center;justify-content:center;height:800px;font-family:system-ui">
    <img src="data:image/png;base64,${left.toString('base64')}" style="border-radius:14px;box-shadow:0 20px 60px rgb(0 0 0/.5)">
    <img src="data:image/png;base64,${right.toString('base64')}" style="border-radius:28px;border:8px solid #000;box-shadow:0 20px 60px rgb(0 0 0/.5)">
  </body></html>`);
  const out = join(ROOT, 'docs/screenshot.png');
  await frame.screenshot({ path: out });
  console.log(`wrote ${out} (${(await readFile(out)).length} bytes)`);
  await writeFile(join(ROOT, 'test-results/e2e/showcase-alice.png'), left);
  await writeFile(join(ROOT, 'test-results/e2e/showcase-bob.png'), right);
} finally {
  await browser.close();
  await server.close();
}
