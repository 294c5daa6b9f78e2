import { CinderClient, MemoryStore } from '@cinder/sdk';
import type { BrowserContextOptions } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { attachFile, markedPng } from './media-files.ts';
import { horizontalOverflow, horizontalPlacement, settle } from './page-checks.ts';
import { useBrowserSuite } from './suite.ts';

/** The widths people read Cinder at: a laptop, a large phone, and the two small Android widths. */
const SCREENS: { name: string; options: BrowserContextOptions }[] = [
  { name: '320', options: phone(320, 'light') },
  { name: '360', options: phone(360, 'light') },
  { name: '360-dark', options: phone(360, 'dark') },
  { name: '390', options: phone(390, 'light') },
  { name: '1280', options: { viewport: { width: 1280, height: 800 }, colorScheme: 'light' } },
];

function phone(width: number, colorScheme: 'light' | 'dark'): BrowserContextOptions {
  return { viewport: { width, height: 740 }, colorScheme, isMobile: true, hasTouch: true };
}

describeBrowser('web: every view fits phones (320–390 px) and laptops, light and dark', () => {
  const suite = useBrowserSuite();

  for (const [n, screen] of SCREENS.entries()) {
    it(
      `${screen.name} px: no view scrolls sideways; the opened burn message and its Close & burn button are on screen`,
      async () => {
        const alice = await AppPage.open(await suite.newContext(screen.options), suite.url, `amy${n}`);
        const bob = await AppPage.open(await suite.newContext(screen.options), suite.url, `bo${n}`);
        const found: string[] = [];
        /** Record what sticks out of `app`'s page now, under `view`, and take its picture. */
        async function check(app: AppPage, view: string): Promise<void> {
          await settle(app.page);
          found.push(...(await horizontalOverflow(app.page)).map((p) => `[${screen.name} ${view}] ${p}`));
          await app.shot(`layout-${screen.name}-${view}`);
        }

        await alice.page.getByRole('heading', { name: /then it’s ash/i }).waitFor();
        await check(alice, 'sign-in');
        await alice.signUp(alice.name);
        await bob.signUp(bob.name);
        await check(alice, 'chat-list-empty');

        // Alice: a normal message with a long unbroken word, then a burn message that stays open
        // until closed, so the opened bubble can be measured at rest.
        await alice.openChat(bob.name);
        await alice.send(`Long link: https://example.com/${'a'.repeat(90)} and a normal sentence after it.`);
        await alice.bubbles('text').first().waitFor();
        await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
        await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
        await alice.page.getByRole('radio', { name: '7 days', exact: true }).check();
        await check(alice, 'composer-burn-options');
        await alice.send('The door code is 4711 4711 4711; the spare key is under the third flower pot.', {
          view: 'Until closed',
          ttl: '1 hour',
        });
        await alice.bubbles('own-burn').waitFor();
        await check(alice, 'own-burn');

        // Bob: the list with its sealed badge, the sealed bubble, then opened.
        await bob.page.locator(`a.chat-row[data-peer="${alice.name}"] .badge--sealed`).waitFor();
        await check(bob, 'chat-list-sealed');
        await bob.openChat(alice.name);
        const sealed = bob.bubbles('sealed');
        await expect.poll(() => sealed.textContent(), { timeout: WAIT_MS }).toContain('Tap to view');
        await check(bob, 'sealed');
        expect(await horizontalPlacement(sealed.getByRole('button'))).toMatchObject({ inside: true });

        await sealed.getByRole('button', { name: /Burn message from/ }).click();
        const revealed = bob.bubbles('revealed');
        const closeAndBurn = revealed.getByRole('button', { name: 'Close & burn' });
        await closeAndBurn.waitFor();
        await check(bob, 'revealed');
        const message = await horizontalPlacement(revealed.locator('article'));
        const button = await horizontalPlacement(closeAndBurn);
        expect(message, 'the opened burn message lies within the screen').toMatchObject({ inside: true });
        expect(button, 'its Close & burn button lies within the screen').toMatchObject({ inside: true });
        // The message area itself does not scroll sideways either.
        const timeline = bob.page.locator('.timeline');
        expect(await timeline.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

        await closeAndBurn.click();
        await bob.bubbles('burned').waitFor();
        await alice.bubbles('burned').waitFor();
        await check(bob, 'burned');
        await check(alice, 'burned-sender');

        await bob.openSafetyNumber();
        await check(bob, 'safety-dialog');
        await bob.closeSafetyNumber();

        // The settings dialog with its Devices section: a long device name, and the confirmation.
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

        // A burn photo, open until closed: the viewer and its Close & burn button (the flame
        // went off with the last burn message).
        await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
        await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
        await attachFile(alice.page, markedPng(200).file);
        await alice.page.getByTestId('draft-file').waitFor();
        await check(alice, 'composer-draft-file');
        await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
        await alice.bubbles('own-burn').waitFor();
        const photo = bob.bubbles('sealed');
        await expect
          .poll(() => photo.textContent(), { timeout: WAIT_MS })
          .toMatch(/Photo · .* · Tap to view/);
        await photo.getByRole('button', { name: /Burn message from/ }).click();
        const viewer = bob.page.getByRole('dialog', { name: `Photo from ${alice.name}` });
        await viewer.locator('img').waitFor();
        await check(bob, 'media-viewer');
        const viewerButton = viewer.getByRole('button', { name: 'Close & burn' });
        expect(await horizontalPlacement(viewerButton), 'the viewer’s Close & burn button').toMatchObject({
          inside: true,
        });
        await viewerButton.click();
        await viewer.waitFor({ state: 'detached' });

        // On a phone the list comes back from the conversation's back arrow.
        if (await bob.page.getByRole('link', { name: 'Back to chats' }).isVisible()) {
          await bob.page.getByRole('link', { name: 'Back to chats' }).click();
          await bob.me(bob.name).waitFor();
          await check(bob, 'chat-list');
        }

        expect(found, `sideways overflow:\n${found.join('\n')}`).toEqual([]);
      },
      TEST_MS,
    );
  }
});

/** A second device of `username`'s account, signed in through the SDK; closed when disposed. */
async function otherDevice(url: string, username: string) {
  const name = 'Chromebook in the kitchen, the one with the sticker';
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
