import { CinderClient, MemoryStore } from '@cinder/sdk';
import type { BrowserContextOptions } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { attachFile, markedPng } from './media-files.ts';
import { gradientContrastFailures, runAxe, seriousViolations, settle } from './page-checks.ts';
import { useBrowserSuite } from './suite.ts';

/** Laptops and phones, light and dark: the ends of what people use. */
const SETUPS: { name: string; options: BrowserContextOptions }[] = [
  { name: 'laptop-light', options: { viewport: { width: 1280, height: 800 }, colorScheme: 'light' } },
  { name: 'laptop-dark', options: { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' } },
  {
    name: 'phone-light',
    options: { viewport: { width: 320, height: 740 }, colorScheme: 'light', isMobile: true, hasTouch: true },
  },
  {
    name: 'phone-dark',
    options: {
      viewport: { width: 390, height: 780 },
      colorScheme: 'dark',
      isMobile: true,
      hasTouch: true,
    },
  },
];

describeBrowser('web: accessibility (axe-core, WCAG 2 A/AA)', () => {
  const suite = useBrowserSuite();

  for (const [n, setup] of SETUPS.entries()) {
    it(
      `${setup.name}: no serious or critical violation, and text on the ember gradient meets AA, in every main state`,
      async () => {
        const alice = await AppPage.open(await suite.newContext(setup.options), suite.url, `ann${n}`);
        const bob = await AppPage.open(await suite.newContext(setup.options), suite.url, `ben${n}`);
        const found: string[] = [];
        /** Check `app`'s page as it is now, and keep what is wrong under `state`. */
        async function check(app: AppPage, state: string): Promise<void> {
          await settle(app.page);
          const problems = [
            ...seriousViolations(await runAxe(app.page)),
            ...(await gradientContrastFailures(app.page)),
          ];
          found.push(...problems.map((p) => `[${setup.name} ${state}] ${p}`));
          await app.shot(`a11y-${setup.name}-${state}`);
        }

        await alice.page.getByRole('heading', { name: /then it’s ash/i }).waitFor();
        await check(alice, 'sign-in');
        await alice.signUp(alice.name);
        await bob.signUp(bob.name);
        await check(alice, 'chat-list');

        await alice.openChat(bob.name);
        await alice.send('A normal message, kept until deleted.');
        await alice.bubbles('text').first().waitFor();
        await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
        await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
        await check(alice, 'composer-burn-options');
        await alice.send('the door code is 4711', { view: 'Until closed', ttl: '1 hour' });
        await alice.bubbles('own-burn').waitFor();
        await check(alice, 'own-burn');

        await bob.page.locator(`a.chat-row[data-peer="${alice.name}"] .badge--sealed`).waitFor();
        await check(bob, 'chat-list-sealed');
        await bob.openChat(alice.name);
        const sealed = bob.bubbles('sealed');
        await sealed.waitFor();
        await expect.poll(() => sealed.textContent(), { timeout: WAIT_MS }).toContain('Tap to view');
        await check(bob, 'sealed');

        await sealed.getByRole('button', { name: /Burn message from/ }).click();
        const revealed = bob.bubbles('revealed');
        await revealed.getByRole('button', { name: 'Close & burn' }).waitFor();
        await check(bob, 'revealed');

        await revealed.getByRole('button', { name: 'Close & burn' }).click();
        await bob.bubbles('burned').waitFor();
        await alice.bubbles('burned').waitFor();
        await check(bob, 'burned');
        await check(alice, 'burned-sender');

        await bob.openSafetyNumber();
        await check(bob, 'safety-dialog');
        await bob.closeSafetyNumber();

        // The settings dialog with its Devices section: this device and another one, whose
        // sign-out asks first.
        await using other = await otherDevice(suite.url, alice.name);
        await openSettings(alice);
        const devices = alice.page.getByTestId('devices-settings');
        await expect.poll(() => devices.getByRole('listitem').count(), { timeout: WAIT_MS }).toBe(2);
        await check(alice, 'settings-devices');
        await devices.getByRole('button', { name: `Sign out ${other.name}` }).click();
        await devices.getByRole('button', { name: 'Cancel' }).waitFor();
        await check(alice, 'settings-devices-confirm');
        await devices.getByRole('button', { name: 'Cancel' }).click();
        await alice.page.getByRole('button', { name: 'Close settings' }).click();
        await alice.page.getByTestId('settings-dialog').waitFor({ state: 'detached' });
        await alice.openChat(bob.name);

        // A burn photo in the full-screen viewer (the flame went off with the last burn message).
        await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
        await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
        await attachFile(alice.page, markedPng(120).file);
        await alice.page.getByTestId('draft-file').waitFor();
        await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
        const photo = bob.bubbles('sealed');
        await expect
          .poll(() => photo.textContent(), { timeout: WAIT_MS })
          .toMatch(/Photo · .* · Tap to view/);
        await photo.getByRole('button', { name: /Burn message from/ }).click();
        const viewer = bob.page.getByRole('dialog', { name: `Photo from ${alice.name}` });
        await viewer.locator('img').waitFor();
        await check(bob, 'media-viewer');
        await viewer.getByRole('button', { name: 'Close & burn' }).click();
        await viewer.waitFor({ state: 'detached' });

        expect(found, `accessibility problems:\n${found.join('\n')}`).toEqual([]);
      },
      TEST_MS,
    );
  }
});

/** A second device of `username`'s account, signed in through the SDK; closed when disposed. */
async function otherDevice(url: string, username: string) {
  const name = 'Tablet in the kitchen';
  const client = new CinderClient({ url, store: new MemoryStore(), deviceName: name });
  await client.login(username, `${username}-long-password`);
  return { name, [Symbol.asyncDispose]: () => client.close() };
}

/** Open the settings dialog from the sidebar's gear (on a phone, back from the chat first). */
async function openSettings(app: AppPage): Promise<void> {
  const back = app.page.getByRole('link', { name: 'Back to chats' });
  if (await back.isVisible()) await back.click();
  await app.page.getByRole('button', { name: 'Settings', exact: true }).click();
}
