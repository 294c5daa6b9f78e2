import { randomBytes } from 'node:crypto';
import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

const LAPTOP = { viewport: { width: 1200, height: 780 } };

/** The visible text of the page (what a person, or a screen reader, can get at). */
function bodyText(app: AppPage): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point here.
  return app.page.evaluate(() => document.body.innerText);
}

/** The failed-send line of the open chat's pending bubble ("Not sent: …"). */
function sendFailure(app: AppPage): Locator {
  return app.bubbles('pending').locator('.meta--error span').first();
}

/** Open the chat with `peer` by its address, without the new-chat form's existence check. */
async function openByAddress(app: AppPage, peer: string): Promise<void> {
  await app.page.evaluate((p) => {
    location.hash = `#/c/${p}`;
  }, peer);
  await app.page.getByRole('heading', { name: peer, exact: true }).waitFor();
}

describeBrowser('web: recall, block, and checking a username before a chat opens', () => {
  const suite = useBrowserSuite();

  it(
    'Alice recalls a message: both sides show who recalled it, also after a reload, and the text is gone from page and store',
    async () => {
      const alice = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'bob');
      await alice.signUp('ralice');
      await bob.signUp('rbob');

      const marker = `recall me ${randomBytes(6).toString('hex')}`;
      const keep = `keep me ${randomBytes(6).toString('hex')}`;
      await alice.openChat('rbob');
      await alice.send(keep);
      await alice.message(keep).waitFor();
      await alice.send(marker);
      await alice.message(marker).waitFor();
      await bob.openChat('ralice');
      await bob.message(marker).waitFor();
      expect(await bob.storage()).toContain(marker);

      // Only own messages offer Recall: Bob has none here.
      expect(await bob.page.getByRole('button', { name: /^Recall/ }).count()).toBe(0);
      const bubble = alice.bubbles('text').filter({ hasText: marker });
      await bubble.getByRole('button', { name: /^Recall your message/ }).click();

      await alice.page.getByText('You recalled a message', { exact: true }).waitFor();
      await bob.page.getByText('ralice recalled a message', { exact: true }).waitFor();
      await expect.poll(() => bodyText(bob), { timeout: WAIT_MS }).not.toContain(marker);
      expect(await bodyText(alice)).not.toContain(marker);
      await expect.poll(() => bob.everything(), { timeout: WAIT_MS }).not.toContain(marker);
      expect(await alice.everything()).not.toContain(marker);
      // The other message stays, and the placeholder takes the recalled one's place after it.
      expect(await bob.bubbles('text').filter({ hasText: keep }).count()).toBe(1);
      const kinds = await bob.page
        .locator('.timeline__list > li > [data-kind]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      expect(kinds.slice(-2)).toEqual(['text', 'recalled']);
      await alice.shot('recall-01-alice');
      await bob.shot('recall-02-bob');

      // Reload both: the placeholders come back from the device's store (the SDK keeps them, never
      // the text), in the recalled message's place, without a new sign-in.
      const sides = [
        { app: alice, peer: 'rbob', line: 'You recalled a message' },
        { app: bob, peer: 'ralice', line: 'ralice recalled a message' },
      ];
      for (const { app, peer, line } of sides) {
        await app.page.reload();
        await app.page.getByRole('heading', { name: peer, exact: true }).waitFor();
        await app.page.getByText(line, { exact: true }).waitFor();
        await app.bubbles('text').filter({ hasText: keep }).waitFor();
        const after = await app.page
          .locator('.timeline__list > li > [data-kind]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
        expect(after.slice(-2)).toEqual(['text', 'recalled']);
        expect(await bodyText(app)).not.toContain(marker);
        expect(await app.everything()).not.toContain(marker);
        expect(app.signIns).toHaveLength(1);
      }
      // Only the kept message still offers Recall: the recalled one has no bubble left.
      expect(await alice.page.getByRole('button', { name: /^Recall your message/ }).count()).toBe(1);
    },
    TEST_MS,
  );

  it(
    'Bob blocks Alice: her send fails as to a user that does not exist, he never sees it; after Unblock hers arrive',
    async () => {
      const alice = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'bob');
      await alice.signUp('balice');
      await bob.signUp('bbob');

      const hello = `hello ${randomBytes(6).toString('hex')}`;
      await alice.openChat('bbob');
      await alice.send(hello);
      await bob.openChat('balice');
      await bob.message(hello).waitFor();

      // What a send to a name nobody has looks like.
      const ghost = `ghost${randomBytes(4).toString('hex')}`;
      await openByAddress(alice, ghost);
      await alice.send('anyone there?');
      await sendFailure(alice).waitFor({ timeout: WAIT_MS });
      const unknown = (await sendFailure(alice).textContent()) ?? '';
      expect(unknown).toContain(ghost);

      await bob.page.getByRole('button', { name: 'Block balice' }).click();
      await bob.page
        .getByText('Block balice? They won’t be able to send you messages', { exact: false })
        .waitFor();
      await bob.page.getByRole('button', { name: 'Block', exact: true }).click();
      const banner = bob.page.getByTestId('blocked-banner');
      await banner.getByText('You blocked balice. They can’t send you messages.').waitFor();
      await bob.shot('block-01-bob-banner');

      const blocked = `while blocked ${randomBytes(6).toString('hex')}`;
      await openByAddress(alice, 'bbob');
      await alice.send(blocked);
      await sendFailure(alice).waitFor({ timeout: WAIT_MS });
      expect(await sendFailure(alice).textContent()).toBe(unknown.replace(ghost, 'bbob'));
      await alice.shot('block-02-alice-not-sent');
      await alice.bubbles('pending').getByRole('button', { name: 'Discard' }).click();

      // Bob can still write to Alice: blocking is one way.
      const fromBob = `from bob ${randomBytes(6).toString('hex')}`;
      await bob.send(fromBob);
      await alice.message(fromBob).waitFor();

      await banner.getByRole('button', { name: 'Unblock' }).click();
      await banner.waitFor({ state: 'detached' });
      await bob.page.getByRole('button', { name: 'Block balice' }).waitFor();

      const after = `after unblock ${randomBytes(6).toString('hex')}`;
      await alice.send(after);
      await bob.message(after).waitFor();
      expect(await bob.everything()).not.toContain(blocked);
      expect(await bodyText(bob)).not.toContain(blocked);
    },
    TEST_MS,
  );

  it(
    'the new-chat form says there is no such user instead of opening a chat; a known name opens',
    async () => {
      const alice = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'bob');
      await alice.signUp('ualice');
      await bob.signUp('ubob');

      const ghost = `nobody${randomBytes(4).toString('hex')}`;
      const field = alice.page.getByLabel('Start a chat with username');
      await field.fill(ghost);
      await field.press('Enter');
      await alice.page
        .getByRole('alert')
        .filter({ hasText: `No user named “${ghost}”.` })
        .waitFor();
      expect(await alice.page.getByRole('heading', { name: ghost, exact: true }).count()).toBe(0);
      expect(await alice.page.evaluate(() => location.hash)).not.toContain(ghost);

      await field.fill('ubob');
      await field.press('Enter');
      await alice.page.getByRole('heading', { name: 'ubob', exact: true }).waitFor();
    },
    TEST_MS,
  );
});
