import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { runAxe, seriousViolations, settle } from './page-checks.ts';
import { useBrowserSuite } from './suite.ts';

const LAPTOP = { viewport: { width: 1200, height: 780 } };

/** Open the settings dialog from the sidebar's gear; the Account section inside it, loaded. */
async function openAccount(app: AppPage): Promise<Locator> {
  await app.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const section = app.page.getByRole('dialog', { name: 'Settings' }).getByTestId('account-settings');
  await section
    .getByRole('checkbox', { name: 'Send read receipts' })
    .and(section.locator(':enabled'))
    .waitFor();
  return section;
}

/** Close the settings dialog with Escape. */
async function closeSettings(app: AppPage): Promise<void> {
  await app.page.keyboard.press('Escape');
  await app.page.getByTestId('settings-dialog').waitFor({ state: 'detached' });
}

/** The delivery status (`data-status`: sent, delivered, read) of my text bubble that says `text`. */
function statusOf(app: AppPage, text: string): Locator {
  return app.bubbles('text').filter({ hasText: text }).locator('[data-status]');
}

/** Sign in on the sign-in screen (which shows no error yet) and expect it to be refused. */
async function expectSignInRefused(app: AppPage, username: string, password: string): Promise<void> {
  await app.page.getByRole('tab', { name: 'Sign in' }).click();
  await app.page.getByLabel('Username').fill(username);
  await app.page.getByLabel('Password').fill(password);
  await app.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await app.page
    .locator('.auth')
    .getByRole('alert')
    .filter({ hasText: 'Wrong username or password.' })
    .waitFor();
  expect(await app.page.getByTestId('me').count()).toBe(0);
}

/** The sign-in screen's headline: the app is signed out. */
function signInScreen(app: AppPage): Locator {
  return app.page.getByRole('heading', { name: /then it’s ash/i });
}

describeBrowser('web: the Account settings (read receipts, password change, account deletion)', () => {
  const suite = useBrowserSuite();

  it(
    'with read receipts off, a message bob reads stays Delivered for alice; back on, the next one shows Read',
    async () => {
      const alice = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'bob');
      await alice.signUp('ralice');
      await bob.signUp('rbob');

      let account = await openAccount(bob);
      const toggle = account.getByRole('checkbox', { name: 'Send read receipts' });
      expect(await toggle.isChecked()).toBe(true);
      await toggle.uncheck();
      await account.getByText('Read receipts are off.').waitFor({ state: 'attached' });
      await bob.shot('account-settings-01-receipts-off');
      await closeSettings(bob);
      // The switch shows the account's value, loaded from the server.
      account = await openAccount(bob);
      expect(await account.getByRole('checkbox', { name: 'Send read receipts' }).isChecked()).toBe(false);
      await closeSettings(bob);

      await alice.openChat('rbob');
      await alice.send('are you reading this?');
      await expect
        .poll(() => statusOf(alice, 'are you reading this?').getAttribute('data-status'), {
          timeout: WAIT_MS,
        })
        .toBe('delivered');

      // Bob opens the chat (a read, with receipts off) and then replies. The reply reaches alice
      // through her log after anything bob's read produced, so once she has it, a read receipt
      // would have arrived too.
      await bob.openChat('ralice');
      await bob.message('are you reading this?').waitFor();
      await bob.send('yes, but you will not know');
      await alice.message('yes, but you will not know').waitFor();
      expect(await statusOf(alice, 'are you reading this?').getAttribute('data-status')).toBe('delivered');
      await alice.shot('account-settings-02-delivered-not-read');

      // Receipts back on: the next message bob reads shows Read (the check above can see one).
      account = await openAccount(bob);
      await account.getByRole('checkbox', { name: 'Send read receipts' }).check();
      await account.getByText('Read receipts are on.').waitFor({ state: 'attached' });
      await closeSettings(bob);
      await alice.send('and now?');
      await bob.message('and now?').waitFor();
      await expect
        .poll(() => statusOf(alice, 'and now?').getAttribute('data-status'), { timeout: WAIT_MS })
        .toBe('read');
      expect(await statusOf(alice, 'are you reading this?').getAttribute('data-status')).toBe('delivered');
    },
    TEST_MS,
  );

  it(
    'a password change signs the other device out; the old password no longer works, the new one does',
    async () => {
      const first = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'first');
      const second = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'second');
      await first.signUp('palice', 'old-password-1');
      await second.signIn('palice', 'old-password-1');

      const account = await openAccount(first);
      const current = account.getByLabel('Current password', { exact: true });
      const next = account.getByLabel('New password', { exact: true });
      const again = account.getByLabel('Repeat the new password', { exact: true });
      const change = account.getByRole('button', { name: 'Change password' });

      // Too short, and a wrong current password: said, nothing changes.
      await current.fill('old-password-1');
      await next.fill('short');
      await again.fill('short');
      await change.click();
      await account
        .getByRole('alert')
        .filter({ hasText: 'The new password needs at least 8 characters.' })
        .waitFor();
      // Each error marks the field it is about, and describes it.
      expect(await next.getAttribute('aria-invalid')).toBe('true');
      expect(await current.getAttribute('aria-invalid')).toBeNull();
      const errorId = await account.getByRole('alert').getAttribute('id');
      expect(await next.getAttribute('aria-describedby')).toBe(errorId);
      await current.fill('not-the-password');
      await next.fill('new-password-2');
      await again.fill('new-password-2');
      await change.click();
      await account.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor();
      expect(await second.me('palice').isVisible()).toBe(true);
      expect(await current.getAttribute('aria-invalid')).toBe('true');
      expect(await next.getAttribute('aria-invalid')).toBeNull();

      await current.fill('old-password-1');
      await change.click();
      await account.getByText('Password changed. Every other device was signed out.').waitFor();
      await first.shot('account-settings-03-password-changed');
      await second.page.getByText('This device was signed out. Sign in again to keep chatting.').waitFor();
      // This device stays signed in.
      await closeSettings(first);
      await first.me('palice').waitFor();

      await expectSignInRefused(second, 'palice', 'old-password-1');
      await second.signIn('palice', 'new-password-2');
    },
    TEST_MS,
  );

  it(
    'deleting the account burns the burn messages on both sides and signs it out; it cannot sign in again',
    async () => {
      const carol = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'carol');
      const dave = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'dave');
      await carol.signUp('dcarol');
      await dave.signUp('ddave');

      await carol.openChat('ddave');
      await carol.send('a burn message from carol', { view: 'Until closed' });
      await carol.bubbles('own-burn').waitFor();
      await dave.openChat('dcarol');
      await dave.bubbles('sealed').waitFor();
      await dave.send('a burn message from dave', { view: 'Until closed' });
      await dave.bubbles('own-burn').waitFor();
      await carol.bubbles('sealed').waitFor();
      expect(await dave.bubbles('burned').count()).toBe(0);

      const account = await openAccount(carol);
      const danger = account.getByRole('form', { name: 'Delete account' });
      await danger.getByText('every burn message you sent or received burns').waitFor();
      await settle(carol.page);
      expect(seriousViolations(await runAxe(carol.page))).toEqual([]);
      await carol.shot('account-settings-04-danger-zone');

      // The username must be typed, and the password must be right.
      await danger.getByLabel('Password', { exact: true }).fill('dcarol-long-password');
      await danger.getByLabel('Type your username, dcarol, to confirm').fill('dcaro');
      await danger.getByRole('button', { name: 'Delete my account' }).click();
      await danger.getByRole('alert').filter({ hasText: 'Type your username exactly' }).waitFor();
      await danger.getByLabel('Type your username, dcarol, to confirm').fill('dcarol');
      await danger.getByLabel('Password', { exact: true }).fill('wrong-password');
      await danger.getByRole('button', { name: 'Delete my account' }).click();
      await danger.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor();
      expect(await dave.bubbles('burned').count()).toBe(0);

      await danger.getByLabel('Password', { exact: true }).fill('dcarol-long-password');
      await danger.getByRole('button', { name: 'Delete my account' }).click();

      await signInScreen(carol).waitFor();
      // Said as a deletion, not as a device signed out elsewhere (the server's sign-out of this
      // device races the answer to the deletion).
      await carol.page.getByText('Your account was deleted, and every device signed out.').waitFor();
      expect(await carol.page.getByText('This device was signed out.').count()).toBe(0);
      await expect.poll(() => dave.bubbles('burned').count(), { timeout: WAIT_MS }).toBe(2);
      expect(await dave.bubbles('sealed').count()).toBe(0);
      expect(await dave.bubbles('own-burn').count()).toBe(0);
      await dave.shot('account-settings-05-burned-by-deletion');
      await expectSignInRefused(carol, 'dcarol', 'dcarol-long-password');
    },
    TEST_MS,
  );
});
