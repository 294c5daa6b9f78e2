import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { waitFor } from '../kit/index.ts';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

describeBrowser('web: burn after reading between two browsers', () => {
  const suite = useBrowserSuite();

  it(
    'seals, reveals with a countdown, burns on both sides, and stays burned after reload',
    async () => {
      // Alice on a laptop in light mode; Bob on a phone in dark mode.
      const aliceCtx = await suite.newContext({
        viewport: { width: 1200, height: 780 },
        colorScheme: 'light',
      });
      const bobCtx = await suite.newContext({
        viewport: { width: 390, height: 780 },
        colorScheme: 'dark',
        isMobile: true,
        hasTouch: true,
      });

      // The served app carries a strict CSP.
      const res = await fetch(suite.url);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

      const alice = await AppPage.open(aliceCtx, suite.url, 'alice');
      const bob = await AppPage.open(bobCtx, suite.url, 'bob');
      await alice.page.getByRole('heading', { name: /then it’s ash/i }).waitFor();
      await alice.shot('01-sign-up');
      await alice.signUp('alice');
      await bob.signUp('bob');

      await alice.openChat('bob');
      await alice.send('Hi Bob! Sending you the door code, it burns after you read it.');
      await alice.bubbles('text').first().waitFor();

      const secret = `door code ${randomBytes(6).toString('hex')}`;
      await alice.send(secret, { view: '5 s', ttl: '1 hour' });
      const ownBurn = alice.bubbles('own-burn');
      await ownBurn.waitFor();
      expect(await ownBurn.textContent()).toContain(secret);

      // Bob: a chat with a sealed-burn badge, then a sealed bubble. Nothing opens it but a tap.
      const row = bob.page.locator('a.chat-row[data-peer="alice"]');
      await row.locator('.badge--sealed').waitFor();
      await bob.shot('02-bob-list-sealed');
      await bob.openChat('alice');
      const sealed = bob.bubbles('sealed');
      await sealed.waitFor();
      await expect.poll(() => sealed.textContent(), { timeout: WAIT_MS }).toContain('Tap to view');
      expect(await sealed.textContent()).toContain('alice');
      // Alice's "Delivered" means Bob's device has stored the message and acknowledged it: it had
      // every chance to open it by itself, and must not have.
      await waitFor(async () => (await ownBurn.textContent())?.includes('Delivered'), {
        timeout: WAIT_MS,
        what: 'delivered receipt',
      });
      expect(await bob.everything()).not.toContain(secret);
      await bob.shot('03-bob-sealed');

      // The burn toggle belonged to that one message: Alice's next draft is a normal message.
      const flame = alice.page.getByRole('button', { name: 'Burn after reading' });
      await waitFor(async () => (await flame.getAttribute('aria-pressed')) === 'false', {
        timeout: WAIT_MS,
        what: 'the composer back to a normal message',
      });
      await alice.shot('04-alice-sent-burn');

      // Bob opens: the text and the countdown; then it burns.
      const clickedAt = Date.now();
      await sealed.getByRole('button', { name: /Burn message from alice/ }).click();
      const revealed = bob.bubbles('revealed');
      await revealed.waitFor();
      expect(await revealed.textContent()).toContain(secret);
      await expect.poll(() => revealed.textContent(), { timeout: WAIT_MS }).toMatch(/Burns in [1-5]\ss/);
      await bob.shot('05-bob-revealed');

      // No copy in storage even while it is on screen: the text lives in React state only.
      const stored = await bob.storage();
      expect(stored).toContain('idb:'); // the SDK's database is there and was read
      expect(stored).not.toContain(secret);

      const placeholder = bob.bubbles('burned');
      await placeholder.waitFor({ timeout: WAIT_MS });
      // Not before the 5 s window (plus the burn animation) has run out.
      expect(Date.now() - clickedAt).toBeGreaterThan(5000);
      expect(await placeholder.textContent()).toMatch(/Burned · opened/);
      expect(await bob.everything()).not.toContain(secret);
      await bob.shot('06-bob-burned');

      // Alice: opened and burned; her text is gone from the page and from IndexedDB.
      const alicePlaceholder = alice.bubbles('burned');
      await alicePlaceholder.waitFor();
      expect(await alicePlaceholder.textContent()).toMatch(/Opened by bob · burned/);
      expect(await alice.bubbles('own-burn').count()).toBe(0);
      await waitFor(async () => !(await alice.everything()).includes(secret), {
        timeout: WAIT_MS,
        what: 'the text to leave Alice’s page',
      });
      await alice.shot('07-alice-burned');

      // Reload both: the device resumes (no new sign-in) and nothing comes back.
      for (const app of [alice, bob]) {
        await app.page.reload();
        await app.page
          .getByRole('heading', { name: app.name === 'alice' ? 'bob' : 'alice', exact: true })
          .waitFor();
        await app.bubbles('burned').waitFor();
        expect(await app.everything()).not.toContain(secret);
        expect(app.signIns).toHaveLength(1);
        app.expectNoProblems();
      }
      expect(await alice.bubbles('text').textContent()).toContain('door code, it burns');
    },
    TEST_MS,
  );
});
