import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

const LAPTOP = { viewport: { width: 1200, height: 780 } };

/** The flame toggle of the open conversation's composer. */
function flame(app: AppPage): Locator {
  return app.page.getByRole('button', { name: 'Burn after reading' });
}

/** Whether the flame is pressed (burn on for this draft). */
async function burnOn(app: AppPage): Promise<boolean> {
  return (await flame(app).getAttribute('aria-pressed')) === 'true';
}

/** The composer's text box, whatever mode it is in ("Message to x" or "Burn message to x"). */
function box(app: AppPage): Locator {
  return app.page.getByRole('textbox', { name: /message to/i });
}

/** Type `text` and press Enter, leaving the flame as it is. */
async function typeAndSend(app: AppPage, text: string): Promise<void> {
  await box(app).fill(text);
  await box(app).press('Enter');
}

/** Open the settings dialog from the sidebar's gear; the Devices section inside it. */
async function openDevices(app: AppPage): Promise<Locator> {
  await app.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const dialog = app.page.getByRole('dialog', { name: 'Settings' });
  const devices = dialog.getByTestId('devices-settings');
  await devices.getByRole('list').waitFor();
  return devices;
}

/** The listed devices of the Devices section. */
function deviceRows(devices: Locator): Locator {
  return devices.getByRole('listitem');
}

/** The sign-in screen's notice that this device was signed out elsewhere. */
function signedOutNotice(app: AppPage): Locator {
  return app.page.getByText('This device was signed out. Sign in again to keep chatting.');
}

describeBrowser('web: everyday account features (the burn toggle per draft, devices)', () => {
  const suite = useBrowserSuite();

  it(
    'burn after reading belongs to one draft in one chat: it turns off after a burn send, and each chat has its own',
    async () => {
      const alice = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'bob');
      const carol = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'carol');
      await alice.signUp('talice');
      await bob.signUp('tbob');
      await carol.signUp('tcarol');

      // Chat A (tbob): burn on, "Until closed", send. The message is a burn message and the
      // composer is back to a normal draft, and says so to a screen reader.
      await alice.openChat('tbob');
      expect(await burnOn(alice)).toBe(false);
      await flame(alice).click();
      await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
      await alice.page.getByRole('textbox', { name: 'Burn message to tbob' }).waitFor();
      await typeAndSend(alice, 'first, a burn message');
      await alice.bubbles('own-burn').waitFor();
      await expect.poll(() => burnOn(alice), { timeout: WAIT_MS }).toBe(false);
      await alice.page.getByRole('textbox', { name: 'Message to tbob', exact: true }).waitFor();
      await alice.page
        .locator('.composer [aria-live="polite"]')
        .getByText(/Sent as a burn message\. The next message is a normal one/)
        .waitFor();
      expect(await alice.page.locator('.composer__options').count()).toBe(0);

      // The next message goes out as a normal one.
      await typeAndSend(alice, 'second, a normal message');
      await alice.bubbles('text').getByText('second, a normal message').waitFor();
      expect(await alice.bubbles('own-burn').count()).toBe(1);
      // Bob gets one sealed message and one he can read at once.
      await bob.openChat('talice');
      await bob.bubbles('sealed').waitFor();
      await bob.message('second, a normal message').waitFor();
      expect(await bob.bubbles('sealed').count()).toBe(1);

      // Burn on again in chat A: the settings chosen there last come back.
      await flame(alice).click();
      expect(await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).isChecked()).toBe(
        true,
      );
      await box(alice).fill('a burn draft for tbob');

      // Chat B (tcarol): its own draft, burn off, an empty box.
      await alice.openChat('tcarol');
      expect(await burnOn(alice)).toBe(false);
      await alice.page.getByRole('textbox', { name: 'Message to tcarol', exact: true }).waitFor();
      expect(await box(alice).inputValue()).toBe('');
      await typeAndSend(alice, 'hello carol, not a burn');
      await alice.bubbles('text').getByText('hello carol, not a burn').waitFor();
      expect(await alice.bubbles('own-burn').count()).toBe(0);

      // Back to chat A: its draft is as it was left, burn on, text typed.
      await alice.openChat('tbob');
      await expect.poll(() => burnOn(alice), { timeout: WAIT_MS }).toBe(true);
      expect(await box(alice).inputValue()).toBe('a burn draft for tbob');
      await alice.shot('account-01-burn-draft-kept');
      await box(alice).press('Enter');
      await expect.poll(() => alice.bubbles('own-burn').count(), { timeout: WAIT_MS }).toBe(2);
      await expect.poll(() => burnOn(alice), { timeout: WAIT_MS }).toBe(false);

      // A reload keeps no burn state: every chat starts as a normal message.
      await flame(alice).click();
      await alice.page.reload();
      await alice.page.getByRole('heading', { name: 'tbob', exact: true }).waitFor();
      expect(await burnOn(alice)).toBe(false);
      // The chat's burn settings do survive it (sessionStorage, nothing else: no text, no flag).
      const saved = await alice.page.evaluate(() =>
        Object.entries(sessionStorage).filter(([key]) => key.startsWith('cinder.burn-settings.')),
      );
      expect(saved.map(([, value]) => JSON.parse(value))).toEqual([
        { tbob: { viewSeconds: 0, ttlSeconds: 86_400 } },
      ]);
      await flame(alice).click();
      expect(await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).isChecked()).toBe(
        true,
      );
    },
    TEST_MS,
  );

  it(
    'lists the account’s devices, signs one out and then all the others; their tabs go to the sign-in screen with a notice',
    async () => {
      const first = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'first');
      const second = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'second');
      await first.signUp('dalice');
      await second.signIn('dalice');

      // Both devices are listed, this one first and marked.
      let devices = await openDevices(first);
      await expect.poll(() => deviceRows(devices).count(), { timeout: WAIT_MS }).toBe(2);
      const mine = deviceRows(devices).filter({ hasText: 'This device' });
      expect(await mine.count()).toBe(1);
      expect(await mine.getAttribute('data-current')).toBe('true');
      expect(await mine.getByRole('button', { name: /^Sign out/ }).count()).toBe(0);
      const other = deviceRows(devices).filter({ hasNotText: 'This device' });
      expect(await other.textContent()).toMatch(/Added .*Last seen/);
      await first.shot('account-02-devices');

      // "Sign out" asks first; Cancel leaves the device signed in.
      await other.getByRole('button', { name: /^Sign out/ }).click();
      await other.getByText(/^Sign out “.*”\? Its chats are cleared from it\.$/).waitFor();
      await other.getByRole('button', { name: 'Cancel' }).click();
      await other.getByRole('button', { name: /^Sign out/ }).click();
      await other.getByRole('button', { name: 'Sign out', exact: true }).click();

      // The second tab is signed out at once, and says why; the list has this device only.
      await signedOutNotice(second).waitFor();
      await second.page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      await second.shot('account-03-signed-out-notice');
      await expect.poll(() => deviceRows(devices).count(), { timeout: WAIT_MS }).toBe(1);
      await devices.getByText('No other device is signed in.').waitFor();

      // Two devices sign in again; "Sign out all other devices" ends both.
      const third = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'third');
      await second.signIn('dalice');
      await third.signIn('dalice');
      await first.page.keyboard.press('Escape');
      await first.page.getByTestId('settings-dialog').waitFor({ state: 'detached' });
      devices = await openDevices(first);
      await expect.poll(() => deviceRows(devices).count(), { timeout: WAIT_MS }).toBe(3);
      await devices.getByRole('button', { name: 'Sign out all other devices' }).click();
      await devices.getByText('Sign out all 2 other devices? Their chats are cleared from them.').waitFor();
      await devices.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signedOutNotice(second).waitFor();
      await signedOutNotice(third).waitFor();
      await expect.poll(() => deviceRows(devices).count(), { timeout: WAIT_MS }).toBe(1);

      // This device is still signed in, and a reload resumes it.
      await first.page.keyboard.press('Escape');
      await first.page.reload();
      await first.me('dalice').waitFor();
      expect(first.signIns).toHaveLength(1);
    },
    TEST_MS,
  );

  it(
    'devices by keyboard: Cancel and Escape give the focus back to the button asked from; a list gone stale still signs out the rest',
    async () => {
      const first = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'first');
      const second = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'second');
      const third = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'third');
      await first.signUp('kalice');
      await second.signIn('kalice');
      await third.signIn('kalice');
      const devices = await openDevices(first);
      await expect.poll(() => deviceRows(devices).count(), { timeout: WAIT_MS }).toBe(3);
      const focused = (locator: Locator) => locator.evaluate((el) => el === document.activeElement);

      // The question takes the focus on its Cancel; Cancel hands it back to the row's Sign out.
      const row = deviceRows(devices).filter({ hasNotText: 'This device' }).first();
      const rowSignOut = row.getByRole('button', { name: /^Sign out / });
      await rowSignOut.focus();
      await first.page.keyboard.press('Enter');
      const question = row.getByRole('group', { name: /^Sign out “.*”\?/ });
      await question.waitFor();
      expect(await focused(question.getByRole('button', { name: 'Cancel' }))).toBe(true);
      await first.page.keyboard.press('Enter');
      await expect.poll(() => focused(rowSignOut), { timeout: WAIT_MS }).toBe(true);

      // Escape answers the question and leaves the settings dialog open.
      const all = devices.getByRole('button', { name: 'Sign out all other devices' });
      await all.focus();
      await first.page.keyboard.press('Enter');
      await devices
        .getByRole('group', { name: 'Sign out all 2 other devices? Their chats are cleared from them.' })
        .waitFor();
      await first.page.keyboard.press('Escape');
      await expect.poll(() => focused(all), { timeout: WAIT_MS }).toBe(true);
      expect(await first.page.getByTestId('settings-dialog').isVisible()).toBe(true);

      // The third device signs itself out; this list still shows it. "Sign out all" signs out the
      // second one too, and both count as done: the one already gone is no error.
      await third.page.getByRole('button', { name: 'Sign out…' }).click();
      await third.page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await third.page.getByRole('tab', { name: 'Sign in' }).waitFor();
      expect(await deviceRows(devices).count()).toBe(3);
      await all.click();
      await devices.getByRole('button', { name: 'Sign out', exact: true }).click();
      await signedOutNotice(second).waitFor();
      await devices.getByText('2 devices were signed out.').waitFor({ state: 'attached' });
      await expect.poll(() => deviceRows(devices).count(), { timeout: WAIT_MS }).toBe(1);
      expect(await devices.getByRole('alert').count()).toBe(0);
      // The pressed button is gone: the focus waits on the section's heading, inside the dialog.
      expect(await focused(devices.getByRole('heading', { name: 'Devices' }))).toBe(true);
    },
    TEST_MS,
  );

  it(
    'the sign-in screen switches the language before signing in, and the choice stays for the app',
    async () => {
      const app = await AppPage.open(
        await suite.newContext({ locale: 'en-US', ...LAPTOP }),
        suite.url,
        'lang',
      );
      const lang = () => app.page.evaluate(() => document.documentElement.lang);
      await app.page.getByRole('heading', { name: /then it’s ash/i }).waitFor();
      const languages = app.page.getByRole('navigation', { name: 'Language' });
      expect(await languages.getByRole('button').allTextContents()).toEqual(['简体中文']);

      await languages.getByRole('button', { name: '简体中文' }).click();
      await app.page.getByRole('heading', { name: /说完即成灰烬/ }).waitFor();
      expect(await lang()).toBe('zh-CN');
      const zh = app.page.getByRole('navigation', { name: '语言' });
      expect(await zh.getByRole('button').allTextContents()).toEqual(['English']);
      await app.shot('account-04-sign-in-zh');

      // Signed up in Chinese, the app stays in Chinese.
      await app.page.getByRole('tab', { name: '创建账号' }).click();
      await app.page.getByLabel('用户名').fill('lang_zh');
      await app.page.getByLabel('密码').fill('lang_zh-long-password');
      await app.page.getByRole('button', { name: '创建账号' }).click();
      await app.me('lang_zh').waitFor();
      expect(await lang()).toBe('zh-CN');
    },
    TEST_MS,
  );
});
