import { randomBytes } from 'node:crypto';
import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

describeBrowser('web: keyboard use, "until closed", a second tab, signing out', () => {
  const suite = useBrowserSuite();

  it(
    'sends and opens a burn message with the keyboard alone; Escape burns it',
    async () => {
      const aliceCtx = await suite.newContext({ viewport: { width: 1100, height: 720 } });
      const bobCtx = await suite.newContext({ viewport: { width: 1100, height: 720 }, colorScheme: 'dark' });
      // Bob's page runs on a clock the test can move: time flows as usual until it jumps below.
      await bobCtx.clock.install();
      const alice = await AppPage.open(aliceCtx, suite.url, 'alice');
      const bob = await AppPage.open(bobCtx, suite.url, 'bob');
      await alice.signUp('kalice');
      await bob.signUp('kbob');
      const { page } = alice;
      const keys = page.keyboard;

      // Start the chat from the sidebar field with Enter; the composer takes focus.
      await page.getByLabel('Start a chat with username').focus();
      await keys.type('kbob');
      await keys.press('Enter');
      await page.getByRole('heading', { name: 'kbob', exact: true }).waitFor();
      const box = page.getByRole('textbox', { name: 'Message to kbob' });
      await expect
        .poll(() => box.evaluate((el) => el === document.activeElement), { timeout: WAIT_MS })
        .toBe(true);

      // Shift+Tab to the flame, Space turns burn on; pick "Until closed" with the arrow keys.
      await keys.press('Shift+Tab');
      await keys.press('Space');
      const toggle = page.getByRole('button', { name: 'Burn after reading' });
      expect(await toggle.getAttribute('aria-pressed')).toBe('true');
      await page.getByRole('radio', { name: '30 s', exact: true }).focus();
      await keys.press('ArrowRight');
      expect(await page.getByRole('radio', { name: 'Until closed' }).isChecked()).toBe(true);
      const secret = `keyboard secret ${randomBytes(6).toString('hex')}`;
      await page.getByRole('textbox', { name: 'Burn message to kbob' }).focus();
      await keys.type(secret);
      await keys.press('Enter');
      await alice.bubbles('own-burn').waitFor();

      // Bob: the sealed bubble is a real button, so Enter opens it; focus moves to the text.
      await bob.openChat('kalice');
      const sealed = bob.bubbles('sealed').getByRole('button');
      await sealed.focus();
      await bob.page.keyboard.press('Enter');
      const revealed = bob.bubbles('revealed');
      await revealed.waitFor();
      expect(await revealed.textContent()).toContain(secret);
      expect(await revealed.textContent()).toContain('Burns when you close it');
      expect(await revealed.locator('article').evaluate((el) => el === document.activeElement)).toBe(true);
      // No timer: it stays until closed. Jump Bob's clock past the longest view window (30 s) and
      // let the page run what fell due, instead of waiting and hoping a timer would show itself.
      // A view timer would start the burn (the bubble takes its burning look); React renders that
      // in a message-channel task, so two such round trips later it would be on the page.
      await bob.page.clock.fastForward('00:45');
      for (let i = 0; i < 2; i++) {
        await bob.page.evaluate(
          () =>
            new Promise((resolve) => {
              const channel = new MessageChannel();
              channel.port1.onmessage = resolve;
              channel.port2.postMessage(0);
            }),
        );
      }
      expect(await revealed.count()).toBe(1);
      expect(await revealed.locator('.bubble--burning').count()).toBe(0);
      expect(await bob.bubbles('burned').count()).toBe(0);
      await bob.shot('13-bob-until-closed');

      await bob.page.keyboard.press('Escape');
      await bob.bubbles('burned').waitFor();
      expect(await bob.everything()).not.toContain(secret);
      await alice.bubbles('burned').waitFor();
      expect(await alice.everything()).not.toContain(secret);
      alice.expectNoProblems();
      bob.expectNoProblems();
    },
    TEST_MS,
  );

  it(
    'the sign-in screen’s tabs follow the arrow keys and are one Tab stop; an error marks the field it is about',
    async () => {
      const app = await AppPage.open(
        await suite.newContext({ viewport: { width: 1100, height: 720 } }),
        suite.url,
        'tabs',
      );
      const { page } = app;
      const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
      const create = page.getByRole('tab', { name: 'Create account' });
      const signIn = page.getByRole('tab', { name: 'Sign in' });
      await create.focus();
      await page.keyboard.press('ArrowRight');
      expect(await signIn.getAttribute('aria-selected')).toBe('true');
      expect(await focused(signIn)).toBe(true);
      expect(await create.getAttribute('tabindex')).toBe('-1');
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      await page.keyboard.press('Home');
      expect(await create.getAttribute('aria-selected')).toBe('true');
      expect(await focused(create)).toBe(true);
      await page.keyboard.press('Tab');
      const username = page.getByLabel('Username');
      const password = page.getByLabel('Password');
      expect(await focused(username)).toBe(true);

      // A password that is too short: only the password field is invalid.
      await username.fill('tabsy');
      await password.fill('short');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').waitFor();
      expect(await password.getAttribute('aria-invalid')).toBe('true');
      expect(await username.getAttribute('aria-invalid')).toBeNull();
      // A bad username: that field alone.
      await username.fill('no spaces allowed');
      await password.fill('long-enough-password');
      await page.keyboard.press('Enter');
      await expect.poll(() => username.getAttribute('aria-invalid'), { timeout: WAIT_MS }).toBe('true');
      expect(await password.getAttribute('aria-invalid')).toBeNull();
      // The server refuses a sign-in: the pair is wrong, both fields say so.
      await signIn.click();
      await username.fill('tabsy');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
      expect(await username.getAttribute('aria-invalid')).toBe('true');
      expect(await password.getAttribute('aria-invalid')).toBe('true');
      app.expectNoProblems();
    },
    TEST_MS,
  );

  it(
    'blocking by keyboard: the focus follows the question, Escape cancels it, and Unblock and Block hand it on',
    async () => {
      const ctx = await suite.newContext({ viewport: { width: 1100, height: 720 } });
      const otherCtx = await suite.newContext({ viewport: { width: 1100, height: 720 } });
      const bob = await AppPage.open(ctx, suite.url, 'bob');
      const alice = await AppPage.open(otherCtx, suite.url, 'alice');
      await alice.signUp('qalice');
      await bob.signUp('qbob');
      await bob.openChat('qalice');
      const { page } = bob;
      const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);
      const block = page.getByRole('button', { name: 'Block qalice' });

      await block.focus();
      await page.keyboard.press('Enter');
      const question = page.getByRole('group', { name: /^Block qalice\?/ });
      const confirm = question.getByRole('button', { name: 'Block', exact: true });
      await expect.poll(() => focused(confirm), { timeout: WAIT_MS }).toBe(true);
      await page.keyboard.press('Escape');
      await question.waitFor({ state: 'detached' });
      await expect.poll(() => focused(block), { timeout: WAIT_MS }).toBe(true);

      await page.keyboard.press('Enter');
      await expect.poll(() => focused(confirm), { timeout: WAIT_MS }).toBe(true);
      await page.keyboard.press('Enter');
      const unblock = page.getByTestId('blocked-banner').getByRole('button', { name: 'Unblock' });
      await expect.poll(() => focused(unblock), { timeout: WAIT_MS }).toBe(true);
      await page.keyboard.press('Enter');
      await expect.poll(() => focused(block), { timeout: WAIT_MS }).toBe(true);
      bob.expectNoProblems();
    },
    TEST_MS,
  );

  it(
    'a second tab of the same browser asks before taking over the device',
    async () => {
      const ctx = await suite.newContext({ viewport: { width: 900, height: 640 } });
      const first = await AppPage.open(ctx, suite.url, 'tab one');
      await first.signUp('tabby');

      const second = await AppPage.open(ctx, suite.url, 'tab two');
      await second.page.getByText('Cinder is open in another tab.').waitFor();
      await second.page.getByRole('button', { name: 'Use here' }).click();
      await second.me('tabby').waitFor();
      await second.connection().filter({ hasText: 'Connected' }).waitFor();
      await first.page.getByText('Cinder is open in another tab.').waitFor();
      // Taking over resumed the same device: no new sign-in.
      expect(second.signIns).toEqual([]);
      first.expectNoProblems();
      second.expectNoProblems();
    },
    TEST_MS,
  );

  it(
    'signing out forgets the chats in this browser; signing in again brings back what the server holds',
    async () => {
      const ctx = await suite.newContext({ viewport: { width: 900, height: 640 } });
      const otherCtx = await suite.newContext({ viewport: { width: 900, height: 640 } });
      const leaver = await AppPage.open(ctx, suite.url, 'leaver');
      const stayer = await AppPage.open(otherCtx, suite.url, 'stayer');
      await leaver.signUp('leaver');
      await stayer.signUp('stayer');
      await stayer.openChat('leaver');
      await stayer.send('remember me');
      await stayer.send('still sealed', { view: '5 s' });
      await leaver.openChat('stayer');
      await leaver.bubbles('sealed').waitFor();
      await leaver.message('remember me').waitFor();

      await leaver.page.getByRole('button', { name: 'Sign out…' }).click();
      await leaver.page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await leaver.page.getByRole('tab', { name: 'Sign in' }).waitFor();
      expect(await leaver.storage()).not.toContain('remember me');

      await leaver.page.getByRole('tab', { name: 'Sign in' }).click();
      await leaver.page.getByLabel('Username').fill('leaver');
      await leaver.page.getByLabel('Password').fill('leaver-long-password');
      await leaver.page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await leaver.me('leaver').waitFor();
      await leaver.openChat('stayer');
      await leaver.message('remember me').waitFor();
      // Sealed is still sealed on the new device: signing in is not opening.
      await leaver.bubbles('sealed').waitFor();
      expect(leaver.signIns).toHaveLength(2);
      leaver.expectNoProblems();
    },
    TEST_MS,
  );
});
