import { CinderClient, MemoryStore } from '@cinder/sdk';
import { expect } from 'vitest';
import { type AppPage, WAIT_MS } from './app-page.ts';
import { attachFile, markedPng } from './media-files.ts';

/** The states of the web app a tour visits, in order. */
export type MainState =
  | 'sign-in'
  | 'chat-list-empty'
  | 'composer-burn-options'
  | 'own-burn'
  | 'chat-list-sealed'
  | 'sealed'
  | 'revealed'
  | 'burned'
  | 'burned-sender'
  | 'safety-dialog'
  | 'settings-devices'
  | 'settings-devices-confirm'
  | 'composer-draft-file'
  | 'media-viewer'
  | 'chat-list';

/** Called at each state with the page that shows it, as it is now. */
export type Visit = (app: AppPage, state: MainState) => Promise<void>;

/**
 * Walk `alice` and `bob` (two fresh pages of the server at `url`) through every main state of the
 * app, calling `visit` at each: sign-up, a normal message with a long unbroken word, a burn
 * message open until closed (sealed, opened, burned on both sides), the safety number, the
 * settings dialog with a second device of Alice's and its sign-out confirmation, a burn photo in
 * the full-screen viewer, and on a phone the chat list again. The accessibility and layout suites
 * run their checks on the same tour.
 */
export async function walkMainStates(url: string, alice: AppPage, bob: AppPage, visit: Visit): Promise<void> {
  await alice.page.getByRole('heading', { name: /then it’s ash/i }).waitFor();
  await visit(alice, 'sign-in');
  await alice.signUp(alice.name);
  await bob.signUp(bob.name);
  await visit(alice, 'chat-list-empty');

  // Alice: a normal message with a long unbroken word, then a burn message that stays open until
  // closed, so the opened bubble can be looked at at rest.
  await alice.openChat(bob.name);
  await alice.send(`Long link: https://example.com/${'a'.repeat(90)} and a normal sentence after it.`);
  await alice.bubbles('text').first().waitFor();
  await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
  await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
  await alice.page.getByRole('radio', { name: '7 days', exact: true }).check();
  await visit(alice, 'composer-burn-options');
  await alice.send('The door code is 4711 4711 4711; the spare key is under the third flower pot.', {
    view: 'Until closed',
    ttl: '1 hour',
  });
  await alice.bubbles('own-burn').waitFor();
  await visit(alice, 'own-burn');

  // Bob: the list with its sealed badge, the sealed bubble, then opened and burned.
  await bob.page.locator(`a.chat-row[data-peer="${alice.name}"] .badge--sealed`).waitFor();
  await visit(bob, 'chat-list-sealed');
  await bob.openChat(alice.name);
  const sealed = bob.bubbles('sealed');
  await expect.poll(() => sealed.textContent(), { timeout: WAIT_MS }).toContain('Tap to view');
  await visit(bob, 'sealed');
  await sealed.getByRole('button', { name: /Burn message from/ }).click();
  const closeAndBurn = bob.bubbles('revealed').getByRole('button', { name: 'Close & burn' });
  await closeAndBurn.waitFor();
  await visit(bob, 'revealed');
  await closeAndBurn.click();
  await bob.bubbles('burned').waitFor();
  await alice.bubbles('burned').waitFor();
  await visit(bob, 'burned');
  await visit(alice, 'burned-sender');

  await bob.openSafetyNumber();
  await visit(bob, 'safety-dialog');
  await bob.closeSafetyNumber();

  // The settings dialog with its Devices section: a second device with a long name, and the
  // confirmation its sign-out asks for.
  await using other = await otherDevice(url, alice.name);
  await openSettings(alice);
  const devices = alice.page.getByTestId('devices-settings');
  await expect.poll(() => devices.getByRole('listitem').count(), { timeout: WAIT_MS }).toBe(2);
  await visit(alice, 'settings-devices');
  await devices.getByRole('button', { name: `Sign out ${other.name}` }).click();
  await devices.getByRole('button', { name: 'Cancel' }).waitFor();
  await visit(alice, 'settings-devices-confirm');
  await devices.getByRole('button', { name: 'Cancel' }).click();
  await alice.page.getByRole('button', { name: 'Close settings' }).click();
  await alice.page.getByTestId('settings-dialog').waitFor({ state: 'detached' });
  await alice.openChat(bob.name);

  // A burn photo, open until closed, in the viewer (the flame went off with the last burn message).
  await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
  await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
  await attachFile(alice.page, markedPng(200).file);
  await alice.page.getByTestId('draft-file').waitFor();
  await visit(alice, 'composer-draft-file');
  await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
  await alice.bubbles('own-burn').waitFor();
  const photo = bob.bubbles('sealed');
  await expect.poll(() => photo.textContent(), { timeout: WAIT_MS }).toMatch(/Photo · .* · Tap to view/);
  await photo.getByRole('button', { name: /Burn message from/ }).click();
  const viewer = photoViewer(bob, alice.name);
  await viewer.locator('img').waitFor();
  await visit(bob, 'media-viewer');
  await viewer.getByRole('button', { name: 'Close & burn' }).click();
  await viewer.waitFor({ state: 'detached' });

  // On a phone the list comes back from the conversation's back arrow.
  const back = bob.page.getByRole('link', { name: 'Back to chats' });
  if (await back.isVisible()) {
    await back.click();
    await bob.me(bob.name).waitFor();
    await visit(bob, 'chat-list');
  }
}

/** The full-screen viewer of a photo from `sender` on `app`'s page. */
export function photoViewer(app: AppPage, sender: string) {
  return app.page.getByRole('dialog', { name: `Photo from ${sender}` });
}

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
