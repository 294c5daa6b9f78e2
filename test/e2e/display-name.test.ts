import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

const LAPTOP = { viewport: { width: 1200, height: 780 } };

/** Open the settings dialog; its Account section with the display name loaded into the field. */
async function openDisplayName(app: AppPage): Promise<Locator> {
  await app.page.getByRole('button', { name: 'Settings', exact: true }).click();
  const form = app.page
    .getByRole('dialog', { name: 'Settings' })
    .getByRole('form', { name: 'Display name', exact: true });
  await form.getByLabel('Display name', { exact: true }).and(form.locator(':enabled')).waitFor();
  return form;
}

/** Close the settings dialog with Escape. */
async function closeSettings(app: AppPage): Promise<void> {
  await app.page.keyboard.press('Escape');
  await app.page.getByTestId('settings-dialog').waitFor({ state: 'detached' });
}

describeBrowser('web: display names (any script, beside the username)', () => {
  const suite = useBrowserSuite();

  it(
    'alice names herself 张三 (a bidi override is refused with the reason); bob sees 张三 over @nalice in the chat header',
    async () => {
      const alice = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext(LAPTOP), suite.url, 'bob');
      await alice.signUp('nalice');
      await bob.signUp('nbob');

      let form = await openDisplayName(alice);
      const field = form.getByLabel('Display name', { exact: true });
      expect(await field.inputValue()).toBe('');

      // A right-to-left override (U+202E) could make a name read backwards: refused, with why.
      await field.fill('张\u202E三');
      await form.getByRole('button', { name: 'Save' }).click();
      await form
        .getByRole('alert')
        .filter({ hasText: 'no control or invisible formatting characters' })
        .waitFor();
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      await alice.shot('display-name-01-refused');

      // Spaces around it are trimmed by the protocol's rule; the field shows the name as stored.
      await field.fill('  张三  ');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByRole('status').filter({ hasText: 'Display name saved.' }).waitFor();
      expect(await form.getByRole('alert').count()).toBe(0);
      expect(await field.inputValue()).toBe('张三');
      await closeSettings(alice);
      // Loaded from the server's profile when the dialog opens again.
      form = await openDisplayName(alice);
      expect(await form.getByLabel('Display name', { exact: true }).inputValue()).toBe('张三');
      await closeSettings(alice);

      await alice.openChat('nbob');
      await alice.send('你好 bob');

      // Bob's header: the display name large, the username (the heading, so the harness and
      // screen readers still find the chat by it) visible under it as @nalice.
      await bob.openChat('nalice');
      await bob.message('你好 bob').waitFor();
      const header = bob.page.locator('.conversation__header');
      await expect
        .poll(() => header.getByTestId('peer-display-name').textContent(), { timeout: WAIT_MS })
        .toBe('张三');
      const heading = header.getByRole('heading', { name: 'nalice', exact: true });
      expect(await heading.textContent()).toBe('@nalice');
      expect(await heading.isVisible()).toBe(true);
      // Bob's chat list: the name with the username beside it.
      const row = bob.page.locator('a.chat-row[data-peer="nalice"] .chat-row__name');
      await expect.poll(() => row.textContent(), { timeout: WAIT_MS }).toBe('张三 @nalice');
      await bob.shot('display-name-02-header');

      // An empty field removes the name (the server takes null).
      form = await openDisplayName(alice);
      await form.getByLabel('Display name', { exact: true }).fill('  ');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.getByRole('status').filter({ hasText: 'Display name removed.' }).waitFor();
      await closeSettings(alice);
      form = await openDisplayName(alice);
      expect(await form.getByLabel('Display name', { exact: true }).inputValue()).toBe('');
      await closeSettings(alice);

      await alice.checkProblems();
      await bob.checkProblems();
    },
    TEST_MS,
  );
});
