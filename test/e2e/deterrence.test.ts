import { randomBytes } from 'node:crypto';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { waitFor } from '../kit/index.ts';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { attachFile, markedPng } from './media-files.ts';
import { useBrowserSuite } from './suite.ts';

/** The viewer may play a video without a click (headless has no user to click). */
const MEDIA_ARGS = ['--autoplay-policy=no-user-gesture-required'];

/** Why a watermark may be missing: the views draw it only when given the reader's name. */
const NO_READER =
  'no watermark: conversation-view.tsx must pass reader={me.username} to <RevealedBubble> and <MediaViewer>';

/** The CSS `filter` of the first element `locator` matches, as computed by the browser. */
function filterOf(locator: Locator): Promise<string> {
  return locator.first().evaluate((el) => getComputedStyle(el).filter);
}

/**
 * Make the page hidden as far as its scripts can tell, or visible again. Headless Chromium 156
 * keeps every page `visible` (a background tab, a minimized window, `Page.setWebLifecycleState`
 * frozen and back: none of them changes `document.visibilityState` there), so the page's own
 * `visibilityState` is overridden and `visibilitychange` fired, as the browser would.
 */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (h ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/**
 * Stop Playwright's focus emulation on `page`, under which every page claims the focus whatever
 * is in front: from then on `document.hasFocus()` and the window's `focus`/`blur` events follow
 * which page of the browser is really in front (`bringToFront`).
 */
async function realFocus(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
}

describeBrowser('web: deterrence for opened burn messages (blur, hold to view, watermark)', () => {
  const suite = useBrowserSuite({}, MEDIA_ARGS);

  /** Two people on laptops (the reader in `scheme`), in a chat with each other. */
  async function pair(
    a: string,
    b: string,
    scheme: 'light' | 'dark' = 'dark',
  ): Promise<{ alice: AppPage; bob: AppPage; bobCtx: BrowserContext }> {
    const aliceCtx = await suite.newContext({ viewport: { width: 1100, height: 760 } });
    const bobCtx = await suite.newContext({ viewport: { width: 1100, height: 760 }, colorScheme: scheme });
    const alice = await AppPage.open(aliceCtx, suite.url, a);
    const bob = await AppPage.open(bobCtx, suite.url, b);
    await alice.signUp(a);
    await bob.signUp(b);
    await alice.openChat(b);
    return { alice, bob, bobCtx };
  }

  /** Bob opens the one sealed message from `from`; the revealed bubble. */
  async function openSealed(bob: AppPage, from: string): Promise<Locator> {
    await bob.openChat(from);
    const sealed = bob.bubbles('sealed');
    await sealed.waitFor();
    await sealed.getByRole('button', { name: new RegExp(`Burn message from ${from}`) }).click();
    const revealed = bob.bubbles('revealed');
    await revealed.waitFor();
    return revealed;
  }

  it(
    'an opened burn text blurs the moment the window loses focus or the page is hidden, and is readable again when both are back',
    async () => {
      const { alice, bob, bobCtx } = await pair('ana', 'ben');
      const secret = `vault code ${randomBytes(6).toString('hex')}`;
      await alice.send(secret, { view: 'Until closed' });
      await alice.bubbles('own-burn').waitFor();

      const revealed = await openSealed(bob, 'ana');
      const bubble = revealed.locator('article');
      const text = bubble.locator('.deterrence__content');
      expect(await text.textContent()).toBe(secret);
      expect(await bubble.getAttribute('data-veil')).toBe('clear');
      expect(await filterOf(text)).toBe('none');

      // A real loss of focus: another page of Bob's browser comes to the front.
      const other = await bobCtx.newPage();
      await other.bringToFront();
      await realFocus(bobCtx, bob.page);
      expect(await bob.page.evaluate(() => document.hasFocus())).toBe(false);
      await expect
        .poll(() => bubble.getAttribute('class'), { timeout: WAIT_MS })
        .toContain('deterrence--away');
      expect(await bubble.getAttribute('data-veil')).toBe('away');
      expect(await filterOf(text)).toMatch(/blur\(/);
      // Away, the text is out of the accessibility tree and cannot be selected.
      expect(await text.getAttribute('aria-hidden')).toBe('true');
      expect(await text.evaluate((el) => getComputedStyle(el).userSelect)).toBe('none');
      await bob.shot('deterrence-text-away');

      // Back in front: readable again by itself, to eyes and to assistive technology.
      await bob.page.bringToFront();
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await expect.poll(() => filterOf(text), { timeout: WAIT_MS }).toBe('none');
      expect(await text.getAttribute('aria-hidden')).toBeNull();
      await bob.page.getByText(secret, { exact: true }).waitFor();
      expect(await bob.page.getByRole('article', { name: 'Burn message from ana' }).textContent()).toContain(
        secret,
      );

      // The window's own blur event, as a screenshot tool taking the focus fires it.
      await bob.page.evaluate(() => window.dispatchEvent(new FocusEvent('blur')));
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('away');
      expect(await filterOf(text)).toMatch(/blur\(/);
      await bob.page.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');

      // A hidden page (a switched tab, a locked phone), with the focus never lost.
      await setHidden(bob.page, true);
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('away');
      expect(await bubble.getAttribute('class')).toContain('deterrence--away');
      expect(await filterOf(text)).toMatch(/blur\(/);
      await setHidden(bob.page, false);
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await expect.poll(() => filterOf(text), { timeout: WAIT_MS }).toBe('none');

      // None of it burned anything: the message is still open, and closes (and burns) as usual.
      await bubble.getByRole('button', { name: 'Close & burn' }).click();
      await bob.bubbles('burned').waitFor();
      await other.close();
    },
    TEST_MS,
  );

  it(
    'hold to view: with the setting on, opened text is clear only while pressed (mouse, Space or Enter held)',
    async () => {
      const { alice, bob } = await pair('cleo', 'dan', 'light');

      // Bob turns it on in settings; the choice is this browser's (localStorage).
      await bob.page.getByRole('button', { name: 'Settings', exact: true }).click();
      const dialog = bob.page.getByTestId('settings-dialog');
      await dialog.waitFor();
      const setting = dialog.getByRole('checkbox', { name: 'Hold to view' });
      expect(await setting.isChecked()).toBe(false);
      await setting.check();
      expect(await bob.page.evaluate(() => localStorage.getItem('cinder-hold-to-view'))).toBe('1');
      await dialog.getByRole('button', { name: 'Close settings' }).click();
      await dialog.waitFor({ state: 'detached' });

      const secret = `held ${randomBytes(6).toString('hex')}`;
      await alice.send(secret, { view: 'Until closed' });
      await alice.bubbles('own-burn').waitFor();
      const revealed = await openSealed(bob, 'cleo');
      const bubble = revealed.locator('article');
      const text = bubble.locator('.deterrence__content');

      // Opened, and blurred: a hint says how to read it; assistive technology still reads it.
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      expect(await bubble.getAttribute('class')).toContain('deterrence--hold');
      expect(await filterOf(text)).toMatch(/blur\(/);
      expect(await bubble.locator('.deterrence__hint').textContent()).toBe('Press and hold to read');
      expect(await text.getAttribute('aria-hidden')).toBeNull();
      await bob.shot('deterrence-text-hold');

      // Mouse pressed on it: clear; released: blurred again.
      const box = await text.boundingBox();
      if (!box) throw new Error('the opened text has no box');
      await bob.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await bob.page.mouse.down();
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await expect.poll(() => filterOf(text), { timeout: WAIT_MS }).toBe('none');
      await bob.shot('deterrence-text-held');
      await bob.page.mouse.up();
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      expect(await filterOf(text)).toMatch(/blur\(/);

      // Keyboard: Space held on the focused message, then Enter; neither closes it.
      await bubble.focus();
      await bob.page.keyboard.down('Space');
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await bob.page.keyboard.up('Space');
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      await bob.page.keyboard.down('Enter');
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await expect.poll(() => filterOf(text), { timeout: WAIT_MS }).toBe('none');
      await bob.page.keyboard.up('Enter');
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      expect(await text.textContent()).toBe(secret);

      // Held, then the window loses focus: blurred at once, and not held any more when it is back.
      await bob.page.mouse.down();
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await bob.page.evaluate(() => window.dispatchEvent(new FocusEvent('blur')));
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('away');
      await bob.page.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      await bob.page.mouse.up();

      // Turned off again in another tab of the same browser: this one follows.
      const second = await bob.page.context().newPage();
      // Any page of the origin shares its localStorage; this one is not a second copy of the app.
      await second.goto(`${suite.url}/healthz`);
      await second.evaluate(() => {
        localStorage.removeItem('cinder-hold-to-view');
      });
      await expect.poll(() => bubble.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await second.close();
    },
    TEST_MS,
  );

  it(
    "an opened burn photo carries the reader's name as a faint watermark that lets presses through, and blurs away from the window",
    async () => {
      const { alice, bob } = await pair('alice', 'bob');
      const { file } = markedPng(480);
      await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
      await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
      await attachFile(alice.page, file);
      await alice.page.getByRole('textbox', { name: /message to/i }).fill('the boarding pass');
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await alice.bubbles('own-burn').waitFor();

      await bob.openChat('alice');
      const sealed = bob.bubbles('sealed');
      await expect.poll(() => sealed.textContent(), { timeout: WAIT_MS }).toMatch(/Photo · .* · Tap to view/);
      await sealed.getByRole('button', { name: /Burn message from alice/ }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'Photo from alice' });
      await viewer.waitFor();
      const img = viewer.locator('img');
      await waitFor(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), {
        timeout: WAIT_MS,
        what: 'the photo to load',
      });

      // The watermark: Bob's name, drawn by CSS from data-watermark, repeated and rotated.
      const layer = viewer.getByTestId('watermark');
      const marks = layer.locator('.watermark__mark');
      expect(await marks.count(), NO_READER).toBeGreaterThanOrEqual(12);
      const drawn = await marks.evaluateAll((els) =>
        els.map((el) => {
          const before = getComputedStyle(el, '::before');
          return { content: before.content, transform: before.transform };
        }),
      );
      for (const mark of drawn) {
        expect(mark.content).toBe('"bob"');
        expect(mark.transform).toMatch(/^matrix\(/);
      }
      expect(await layer.getAttribute('aria-hidden')).toBe('true');
      expect(await layer.evaluate((el) => getComputedStyle(el).pointerEvents)).toBe('none');
      // Faint: light text at low alpha over the photo, never opaque.
      const color = await layer.evaluate((el) => getComputedStyle(el).color);
      const alpha = Number(/rgba?\([^)]*,\s*([\d.]+)\)/.exec(color)?.[1] ?? '1');
      expect(alpha).toBeGreaterThan(0);
      expect(alpha).toBeLessThan(0.4);
      // It lies over the photo, and a press at the photo's centre reaches the photo.
      const layerBox = await layer.boundingBox();
      const imgBox = await img.boundingBox();
      if (!layerBox || !imgBox) throw new Error('no boxes for the watermark and the photo');
      expect(layerBox.x).toBeLessThanOrEqual(imgBox.x);
      expect(layerBox.x + layerBox.width).toBeGreaterThanOrEqual(imgBox.x + imgBox.width);
      const hit = await bob.page.evaluate(
        ([x, y]) => document.elementFromPoint(x as number, y as number)?.tagName,
        [imgBox.x + imgBox.width / 2, imgBox.y + imgBox.height / 2],
      );
      expect(hit).toBe('IMG');
      // The CSP forbids style attributes; nothing on the page has one.
      expect(await bob.page.locator('[style]').count()).toBe(0);
      await bob.shot('deterrence-photo-watermark');

      // The bubble behind the viewer shows the caption, with the name lying faintly over it too.
      const bubble = bob.bubbles('revealed').locator('article');
      const textMarks = bubble.getByTestId('watermark').locator('.watermark__mark');
      expect(await textMarks.count(), NO_READER).toBeGreaterThan(0);
      const textMark = await textMarks.first().evaluate((el) => getComputedStyle(el, '::before').content);
      expect(textMark).toBe('"bob"');
      expect(await bubble.getByTestId('watermark').textContent()).toBe('');
      expect(await bubble.getByTestId('watermark').evaluate((el) => getComputedStyle(el).pointerEvents)).toBe(
        'none',
      );

      // Away from the window: the photo and its caption blur; back: clear.
      await bob.page.evaluate(() => window.dispatchEvent(new FocusEvent('blur')));
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('away');
      expect(await viewer.getAttribute('class')).toContain('deterrence--away');
      expect(await filterOf(img)).toMatch(/blur\(/);
      expect(await filterOf(viewer.locator('.viewer__caption'))).toMatch(/blur\(/);
      await bob.shot('deterrence-photo-away');
      await bob.page.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await expect.poll(() => filterOf(img), { timeout: WAIT_MS }).toBe('none');
      // Playwright's screenshots leave an empty style="" on form fields (hiding the caret): only a
      // style attribute with something in it would be the app's.
      expect(await bob.page.locator('[style]:not([style=""])').count()).toBe(0);

      // Hold to view turned on from another page of the browser: the open viewer follows at once.
      const second = await bob.page.context().newPage();
      await second.goto(`${suite.url}/healthz`);
      await second.evaluate(() => localStorage.setItem('cinder-hold-to-view', '1'));
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      await second.close();
      expect(await filterOf(img)).toMatch(/blur\(/);
      expect(await viewer.locator('.deterrence__hint').textContent()).toBe('Press and hold to view');
      await bob.shot('deterrence-photo-hold');
      // A press on the photo (through the watermark): clear while held.
      await bob.page.mouse.move(imgBox.x + imgBox.width / 2, imgBox.y + imgBox.height / 2);
      await bob.page.mouse.down();
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await bob.page.mouse.up();
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      // The keyboard holds on the viewer itself; a held Enter is not a press of "Close & burn".
      await viewer.focus();
      await bob.page.keyboard.down('Enter');
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('clear');
      await bob.page.keyboard.up('Enter');
      await expect.poll(() => viewer.getAttribute('data-veil'), { timeout: WAIT_MS }).toBe('hold');
      expect(await viewer.isVisible()).toBe(true);

      await viewer.getByRole('button', { name: 'Close & burn' }).click();
      await viewer.waitFor({ state: 'detached' });
    },
    TEST_MS,
  );
});
