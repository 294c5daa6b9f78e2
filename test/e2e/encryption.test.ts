import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AppPage, SHOTS_DIR, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

const SAFETY_NUMBER = /^\d{5}( \d{5}){11}$/;
const PHONE = { viewport: { width: 390, height: 780 }, isMobile: true, hasTouch: true } as const;

describeBrowser('web: end-to-end encrypted burn messages, safety numbers, key changes', () => {
  const suite = useBrowserSuite();

  it(
    'says so in the burn UI; both sides see one safety number; a new device of the peer shows a notice before the next send',
    async () => {
      const aliceCtx = await suite.newContext({
        viewport: { width: 1200, height: 780 },
        colorScheme: 'light',
      });
      const bobCtx = await suite.newContext({ ...PHONE, colorScheme: 'dark' });
      const alice = await AppPage.open(aliceCtx, suite.url, 'alice');
      const bob = await AppPage.open(bobCtx, suite.url, 'bob');
      await alice.signUp('alice');
      await bob.signUp('bob');
      await alice.openChat('bob');

      // The composer says it once burn is on, before anything is sent.
      const composer = alice.page.getByRole('form', { name: 'Send a message' });
      expect(await composer.textContent()).not.toContain('End-to-end encrypted');
      await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
      await composer.getByText('End-to-end encrypted').waitFor();
      const secret = `vault ${randomBytes(6).toString('hex')}`;
      await alice.send(secret, { view: 'Until closed' });
      await alice.bubbles('own-burn').waitFor();

      // Bob: the sealed bubble and then the opened text say it too.
      await bob.openChat('alice');
      const sealed = bob.bubbles('sealed');
      await sealed.getByText('End-to-end encrypted').waitFor();
      await sealed.getByRole('button', { name: /Burn message from alice.*end-to-end encrypted/i }).click();
      const revealed = bob.bubbles('revealed');
      await revealed.waitFor();
      expect(await revealed.textContent()).toContain(secret);
      expect(await revealed.textContent()).toContain('End-to-end encrypted');
      await revealed.getByRole('button', { name: 'Close & burn' }).click();
      await bob.bubbles('burned').waitFor();

      // Both open the safety-number view: the same 60 digits, read from each page.
      let dialog = await alice.openSafetyNumber();
      const aliceNumber = await alice.readSafetyNumber();
      expect(aliceNumber).toMatch(SAFETY_NUMBER);
      expect(await dialog.textContent()).toContain(
        'Compare this number with bob in person or over another channel',
      );
      expect(await dialog.locator('[data-verified]').getAttribute('data-verified')).toBe('false');
      const bobFingerprints = dialog.locator('.safety__fingerprint');
      expect(await bobFingerprints.count()).toBe(1);
      expect(await bobFingerprints.first().textContent()).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){7}$/);

      const bobDialog = await bob.openSafetyNumber();
      const bobNumber = await bob.readSafetyNumber();
      expect(bobNumber).toBe(aliceNumber);
      await bob.shot('20-bob-safety-number');
      await bobDialog.screenshot({ path: join(SHOTS_DIR, 'safety-number-390.png'), animations: 'disabled' });

      // The number's 4 columns fit a 320 px wide phone without overflowing the dialog.
      await bob.page.setViewportSize({ width: 320, height: 640 });
      const overflow = await bobDialog.evaluate((el) => {
        const number = el.querySelector('[data-testid="safety-number"]') as HTMLElement;
        return { number: number.scrollWidth - number.clientWidth, dialog: el.scrollWidth - el.clientWidth };
      });
      expect(overflow).toEqual({ number: 0, dialog: 0 });
      await bob.page.setViewportSize(PHONE.viewport);

      // Bob marks it verified: the badge, in the dialog and in the header.
      await bobDialog.getByRole('button', { name: 'Mark as verified' }).click();
      await bobDialog.locator('.verified-badge').filter({ hasText: 'Verified' }).waitFor();
      await bob.shot('21-bob-safety-number-verified');
      await bob.closeSafetyNumber();
      await expect
        .poll(() => bob.safetyButton().getAttribute('data-verified'), { timeout: WAIT_MS })
        .toBe('true');

      // Alice verifies too, so the change below has a mark to drop.
      await dialog.getByRole('button', { name: 'Mark as verified' }).click();
      await dialog.locator('.verified-badge').waitFor();
      await alice.closeSafetyNumber();
      await expect
        .poll(() => alice.safetyButton().getAttribute('data-verified'), { timeout: WAIT_MS })
        .toBe('true');
      expect(await alice.bubbles('key-change').count()).toBe(0);
      const sentBefore = await alice.bubbles('own-burn').count();

      // Bob signs in on a second browser: a new device with a new key.
      const bob2Ctx = await suite.newContext(PHONE);
      const bob2 = await AppPage.open(bob2Ctx, suite.url, 'bob, second device');
      await bob2.signIn('bob');

      // Alice starts her next message. The notice is in the conversation while it is still a draft.
      const draft = `after the change ${randomBytes(4).toString('hex')}`;
      // Burn went off with her last burn message; the next one is a burn message again.
      await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
      const box = alice.page.getByRole('textbox', { name: 'Burn message to bob' });
      await box.fill(draft);
      const notice = alice.bubbles('key-change');
      await notice.waitFor();
      expect(await notice.textContent()).toContain(
        'bob’s safety number changed: a device was added or removed, or a key was replaced.',
      );
      expect(await notice.textContent()).toContain('You had marked it as verified.');
      expect(await notice.textContent()).toContain('Verify it again.');
      expect(await box.inputValue()).toBe(draft);
      expect(await alice.bubbles('own-burn').count()).toBe(sentBefore);
      expect(await alice.bubbles('pending').count()).toBe(0);
      await expect
        .poll(() => alice.safetyButton().getAttribute('data-verified'), { timeout: WAIT_MS })
        .toBe('false');
      await alice.shot('22-alice-key-change-notice');

      // From the notice to the safety-number view: a new number, no longer verified.
      await notice.getByRole('button', { name: 'View safety number' }).click();
      dialog = alice.safetyDialog();
      await dialog.getByTestId('safety-number').waitFor();
      const changed = await alice.readSafetyNumber();
      expect(changed).toMatch(SAFETY_NUMBER);
      expect(changed).not.toBe(aliceNumber);
      expect(await dialog.locator('[data-verified]').getAttribute('data-verified')).toBe('false');
      expect(await dialog.getByRole('button', { name: 'Mark as verified' }).isVisible()).toBe(true);
      expect(await dialog.locator('.safety__fingerprint').count()).toBe(2);
      await alice.closeSafetyNumber();

      // Bob's new device computes the same new number.
      await bob2.openChat('alice');
      await bob2.openSafetyNumber();
      expect(await bob2.readSafetyNumber()).toBe(changed);
      await bob2.closeSafetyNumber();

      // The draft goes out after the notice, and the notice stays above it in the timeline.
      await box.press('Enter');
      await alice.bubbles('own-burn').nth(sentBefore).waitFor();
      const order = await alice.page.locator('.timeline__list > li').evaluateAll((rows, text) => {
        const kinds = rows.map((r) => r.querySelector('[data-kind]')?.getAttribute('data-kind') ?? '');
        const sent = rows.findIndex((r) => r.textContent?.includes(text));
        return { notice: kinds.indexOf('key-change'), sent };
      }, draft);
      expect(order.notice).toBeGreaterThanOrEqual(0);
      expect(order.notice).toBeLessThan(order.sent);

      // The notice outlives a reload (the SDK reports a change once).
      await alice.page.reload();
      await alice.page.getByRole('heading', { name: 'bob', exact: true }).waitFor();
      await alice.bubbles('key-change').waitFor();
      for (const app of [alice, bob, bob2]) app.expectNoProblems();
    },
    TEST_MS,
  );

  it(
    'a device added after a burn message was sent cannot open it, says why, and the older device still can',
    async () => {
      const carolCtx = await suite.newContext({ viewport: { width: 1100, height: 720 } });
      const daveCtx = await suite.newContext({ viewport: { width: 1100, height: 720 } });
      const carol = await AppPage.open(carolCtx, suite.url, 'carol');
      const dave = await AppPage.open(daveCtx, suite.url, 'dave');
      await carol.signUp('carol');
      await dave.signUp('dave');
      await carol.openChat('dave');
      const secret = `sealed before ${randomBytes(6).toString('hex')}`;
      await carol.send(secret, { view: 'Until closed' });
      await carol.bubbles('own-burn').waitFor();
      // Dave's first device has it (Carol sees it delivered) before his second device exists.
      await carol.bubbles('own-burn').locator('[data-status="delivered"]').waitFor();

      const dave2Ctx = await suite.newContext(PHONE);
      const dave2 = await AppPage.open(dave2Ctx, suite.url, 'dave, new device');
      await dave2.signIn('dave');
      await dave2.openChat('carol');
      const sealed = dave2.bubbles('sealed');
      await sealed.getByRole('button', { name: /Burn message from carol/ }).click();
      const why = sealed.locator('[data-failure="sealed-for-other-devices"]');
      await why.waitFor();
      expect(await why.textContent()).toBe(
        'This message was sealed before this device was added — open it on a device that existed when it was sent.',
      );
      // Nothing was taken: it is still sealed here and nothing of it reached this page.
      expect(await sealed.textContent()).toContain('Sealed for your other devices');
      expect(await dave2.bubbles('burned').count()).toBe(0);
      expect(await dave2.everything()).not.toContain(secret);
      await dave2.shot('23-dave-new-device-sealed-elsewhere');

      // The device that existed at send time opens it; it then burns everywhere, the new device too.
      await dave.openChat('carol');
      await dave
        .bubbles('sealed')
        .getByRole('button', { name: /Burn message from carol/ })
        .click();
      const revealed = dave.bubbles('revealed');
      await revealed.waitFor();
      expect(await revealed.textContent()).toContain(secret);
      await revealed.getByRole('button', { name: 'Close & burn' }).click();
      await dave.bubbles('burned').waitFor();
      await dave2.bubbles('burned').waitFor();
      expect(await dave2.bubbles('sealed').count()).toBe(0);
      await carol.bubbles('burned').filter({ hasText: 'Opened by dave' }).waitFor();
      for (const app of [carol, dave, dave2]) app.expectNoProblems();
    },
    TEST_MS,
  );
  it(
    'a safety-number check that fails on open says so beside the last number read',
    async () => {
      const ctx = await suite.newContext({ viewport: { width: 1200, height: 780 } });
      const alice = await AppPage.open(ctx, suite.url, 'alice');
      const bob = await AppPage.open(
        await suite.newContext({ viewport: { width: 1200, height: 780 } }),
        suite.url,
        'bob',
      );
      await alice.signUp('salice');
      await bob.signUp('sbob');
      await alice.openChat('sbob');
      let dialog = await alice.openSafetyNumber();
      const number = await alice.readSafetyNumber();
      expect(number).toMatch(SAFETY_NUMBER);
      expect(await dialog.getByRole('alert').count()).toBe(0);
      await alice.closeSafetyNumber();

      // Offline, the check the dialog makes on open fails: the number shown is the last one read,
      // and the dialog says it could not check again.
      await ctx.setOffline(true);
      dialog = await alice.openSafetyNumber();
      await dialog.getByRole('alert').waitFor();
      expect(await alice.readSafetyNumber()).toBe(number);
      await alice.closeSafetyNumber();

      // Back online, a successful check clears it.
      await ctx.setOffline(false);
      await alice.connection().filter({ hasText: 'Connected' }).waitFor();
      dialog = await alice.openSafetyNumber();
      await expect.poll(() => dialog.getByRole('alert').count(), { timeout: WAIT_MS }).toBe(0);
    },
    TEST_MS,
  );
});
