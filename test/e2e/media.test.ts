import type { BrowserContext } from 'playwright-core';
import { expect, it } from 'vitest';
import { waitFor } from '../kit/index.ts';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import {
  attachFile,
  cacheStorage,
  draftFile,
  imageUrlLoads,
  markedPng,
  randomFile,
  recordedVideo,
} from './media-files.ts';
import { useBrowserSuite } from './suite.ts';

/** The server's upload limit in this suite: a 1.1 MB photo fits, a 2.5 MB file does not. */
const MAX_UPLOAD = 2_000_000;

/**
 * Chromium's fake microphone (a beeping tone) without a permission prompt, and media that may
 * play without a click (the viewer's autoplay; headless has no user to click).
 */
const MEDIA_ARGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

describeBrowser('web: view-once media (docs/media.md)', () => {
  const suite = useBrowserSuite({ maxUploadBytes: MAX_UPLOAD }, MEDIA_ARGS);

  /** Two people in a chat with each other: Alice on a laptop, Bob on a phone. */
  async function pair(a: string, b: string): Promise<{ alice: AppPage; bob: AppPage }> {
    const laptop: BrowserContext = await suite.newContext({ viewport: { width: 1100, height: 760 } });
    const phone = await suite.newContext({
      viewport: { width: 390, height: 780 },
      colorScheme: 'dark',
      isMobile: true,
      hasTouch: true,
    });
    const alice = await AppPage.open(laptop, suite.url, a);
    const bob = await AppPage.open(phone, suite.url, b);
    await alice.signUp(a);
    await bob.signUp(b);
    await alice.openChat(b);
    return { alice, bob };
  }

  it(
    'a burn photo: a sealed bubble of kind and size, prefetched; the viewer shows it once; after the burn its object URL is dead and no byte of it was stored',
    async () => {
      const { alice, bob } = await pair('alice', 'bob');
      const { file, marker, side } = markedPng();

      // Alice: burn on (30 s to look), the photo from the paperclip, a caption, Send.
      const toggle = alice.page.getByRole('button', { name: 'Burn after reading' });
      await toggle.click();
      await alice.page.getByRole('radio', { name: '30 s', exact: true }).check();
      await attachFile(alice.page, file);
      const chip = draftFile(alice.page);
      await chip.waitFor();
      expect(await chip.textContent()).toContain(file.name);
      expect(await chip.textContent()).toMatch(/Photo · 1\.\d\sMB/);
      await alice.page.getByRole('textbox', { name: /message to/i }).fill('the view from the cabin');
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      const ownBurn = alice.bubbles('own-burn');
      await ownBurn.waitFor();
      expect(await ownBurn.textContent()).toMatch(/Photo · 1\.\d\sMB/);
      await chip.waitFor({ state: 'detached' });

      // Bob: kind and size, nothing else; the ciphertext is downloaded as soon as it is shown.
      const prefetched = bob.page.waitForRequest((r) => r.method() === 'GET' && /\/blob$/.test(r.url()), {
        timeout: WAIT_MS,
      });
      await bob.openChat('alice');
      const sealed = bob.bubbles('sealed');
      await sealed.waitFor();
      await expect
        .poll(() => sealed.textContent(), { timeout: WAIT_MS })
        .toMatch(/Photo · 1\.\d\sMB · Tap to view/);
      await prefetched;
      expect(await sealed.locator('img, video, audio').count()).toBe(0);
      const bobPage = await bob.everything();
      expect(bobPage).not.toContain(file.name);
      expect(bobPage).not.toContain('the view from the cabin');
      expect(bobPage).not.toContain(marker);
      // test-results/e2e/media-bubble.png: the picture in docs/ and packages/web/README.md.
      await bob.shot('media-bubble');

      // Bob opens it: a modal full-screen viewer with the photo, the countdown, Close & burn.
      await sealed.getByRole('button', { name: /Burn message from alice/ }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'Photo from alice' });
      await viewer.waitFor();
      expect(await viewer.getAttribute('aria-modal')).toBe('true');
      const img = viewer.locator('img');
      await waitFor(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), {
        timeout: WAIT_MS,
        what: 'the photo to load',
      });
      expect(await img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(side);
      await expect.poll(() => viewer.textContent(), { timeout: WAIT_MS }).toMatch(/Burns in \d+\ss/);
      expect(await viewer.textContent()).toContain('the view from the cabin');
      expect(await viewer.getByRole('button', { name: /download|save/i }).count()).toBe(0);
      expect(await viewer.getByRole('link').count()).toBe(0);
      expect(await bob.page.locator('a[download]').count()).toBe(0);
      const url = (await img.getAttribute('src')) ?? '';
      expect(url).toMatch(/^blob:/);
      expect(await imageUrlLoads(bob.page, url)).toEqual({ ok: true, width: side });
      await bob.shot('media-viewer');

      // Even while it is on screen: nothing of it in IndexedDB or Cache Storage.
      const whileOpen = await bob.storage();
      expect(whileOpen).toContain('idb:');
      expect(whileOpen).not.toContain(marker);
      expect(await cacheStorage(bob.page)).not.toContain(marker);

      await viewer.getByRole('button', { name: 'Close & burn' }).click();
      await viewer.waitFor({ state: 'detached' });
      expect(await imageUrlLoads(bob.page, url)).toEqual({ ok: false });
      await bob.bubbles('burned').waitFor();
      expect(await bob.bubbles('sealed').count()).toBe(0);
      const after = await bob.everything();
      expect(after).not.toContain(marker);
      expect(after).not.toContain(url);
      expect(await cacheStorage(bob.page)).not.toContain(marker);
      await alice.bubbles('burned').waitFor();

      // Shown once: after a reload there is nothing to open.
      await bob.page.reload();
      await bob.page.getByRole('heading', { name: 'alice', exact: true }).waitFor();
      await bob.bubbles('burned').waitFor();
      expect(await bob.bubbles('sealed').count()).toBe(0);
      expect(await bob.everything()).not.toContain(marker);
    },
    TEST_MS,
  );

  it(
    'a voice note held on the mic plays for the recipient; Escape or sliding away while holding throws it away',
    async () => {
      const { alice, bob } = await pair('vera', 'victor');
      const mic = alice.page.getByRole('button', { name: 'Hold to record a voice message' });
      const recording = alice.page.getByTestId('recording');

      // Escape cancels: nothing is sent.
      await mic.hover();
      await alice.page.mouse.down();
      await recording.locator('[data-elapsed="1"]').waitFor();
      await alice.page.keyboard.press('Escape');
      await recording.waitFor({ state: 'detached' });
      await alice.page.mouse.up();

      // Sliding off the button while holding cancels too.
      await mic.hover();
      await alice.page.mouse.down();
      await recording.locator('[data-elapsed="1"]').waitFor();
      await alice.page.mouse.move(10, 10, { steps: 4 });
      await recording.waitFor({ state: 'detached' });
      await alice.page.mouse.up();
      await mic.hover();

      // Hold for two seconds of the fake microphone's tone, release: it goes out.
      await alice.page.mouse.down();
      await recording.locator('[data-elapsed="2"]').waitFor();
      await alice.page.mouse.up();
      await recording.waitFor({ state: 'detached' });
      await alice.page.locator('[data-kind="text"][data-attachment="voice"]').waitFor();

      await bob.openChat('vera');
      // Only the released recording went out (checked on Bob's side below); Alice has one bubble.
      expect(await alice.page.locator('[data-kind="text"]').count()).toBe(1);
      const note = bob.page.locator('[data-kind="text"][data-attachment="voice"] audio');
      await note.waitFor();
      expect(await bob.page.locator('[data-kind="text"][data-attachment="voice"]').count()).toBe(1);
      await note.evaluate((el: HTMLAudioElement) => el.play());
      await waitFor(() => note.evaluate((el: HTMLAudioElement) => el.currentTime > 0.2 || el.ended), {
        timeout: WAIT_MS,
        what: 'the voice note to play',
      });
    },
    TEST_MS,
  );

  it(
    'a burn voice note plays in the viewer, without a download control',
    async () => {
      const { alice, bob } = await pair('wanda', 'walt');
      await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
      await alice.page.getByRole('radio', { name: 'Until closed', exact: true }).check();
      const mic = alice.page.getByRole('button', { name: 'Hold to record a voice message' });
      await mic.hover();
      await alice.page.mouse.down();
      await alice.page.getByTestId('recording').locator('[data-elapsed="2"]').waitFor();
      await alice.page.mouse.up();
      await alice.bubbles('own-burn').waitFor();
      expect(await alice.bubbles('own-burn').textContent()).toMatch(/Voice message · \d+\s(KB|B)/);

      await bob.openChat('wanda');
      const sealed = bob.bubbles('sealed');
      await expect
        .poll(() => sealed.textContent(), { timeout: WAIT_MS })
        .toMatch(/Voice message · .* · Tap to view/);
      await sealed.getByRole('button', { name: /Burn message from wanda/ }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'Voice message from wanda' });
      const audio = viewer.locator('audio');
      await audio.waitFor();
      expect(await audio.getAttribute('controlslist')).toContain('nodownload');
      await waitFor(() => audio.evaluate((el: HTMLAudioElement) => el.currentTime > 0.2 || el.ended), {
        timeout: WAIT_MS,
        what: 'the voice note to play',
      });
      // Escape closes the viewer, and that is the burn.
      await bob.page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'detached' });
      await bob.bubbles('burned').waitFor();
    },
    TEST_MS,
  );

  it(
    'a burn video plays in the viewer without download or picture-in-picture; the window running out burns it',
    async () => {
      const { alice, bob } = await pair('vic', 'vanessa');
      const clip = await recordedVideo(alice.page);
      expect(clip.buffer.length).toBeGreaterThan(1000);
      await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
      await alice.page.getByRole('radio', { name: '10 s', exact: true }).check();
      await attachFile(alice.page, clip);
      expect(await draftFile(alice.page).textContent()).toMatch(/Video ·/);
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await alice.bubbles('own-burn').waitFor();

      await bob.openChat('vic');
      const sealed = bob.bubbles('sealed');
      await expect
        .poll(() => sealed.textContent(), { timeout: WAIT_MS })
        .toMatch(/Video · \d+\sKB · Tap to view/);
      await sealed.getByRole('button', { name: /Burn message from vic/ }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'Video from vic' });
      const video = viewer.locator('video');
      await video.waitFor();
      expect(await video.getAttribute('controlslist')).toContain('nodownload');
      expect(await video.evaluate((el: HTMLVideoElement) => el.disablePictureInPicture)).toBe(true);
      await waitFor(() => video.evaluate((el: HTMLVideoElement) => el.currentTime > 0.2 || el.ended), {
        timeout: WAIT_MS,
        what: 'the video to play',
      });
      const url = (await video.getAttribute('src')) ?? '';
      expect(url).toMatch(/^blob:/);
      // Nobody closes it: the 10 s window does.
      await viewer.waitFor({ state: 'detached', timeout: WAIT_MS });
      await bob.bubbles('burned').waitFor();
      expect(await bob.page.locator(`[src="${url}"]`).count()).toBe(0);
    },
    TEST_MS,
  );

  it(
    'a too-large or empty file gets its error and the draft stays; a cancelled upload keeps the draft, and a retry sends it',
    async () => {
      const { alice, bob } = await pair('tara', 'tom');
      const box = alice.page.getByRole('textbox', { name: /message to/i });
      const error = alice.page.getByTestId('composer-error');

      // Too large: the server's limit is said, the text and the chosen file stay.
      await box.fill('the slides for tomorrow');
      const big = randomFile('slides.pdf', 2_500_000, 'application/pdf');
      await attachFile(alice.page, big);
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await error.waitFor();
      expect(await error.textContent()).toMatch(/too large.*up to 2\sMB/);
      expect(await box.inputValue()).toBe('the slides for tomorrow');
      expect(await draftFile(alice.page).textContent()).toContain('slides.pdf');

      // Empty: refused before anything is sent; the earlier choice and the text stay.
      await attachFile(alice.page, { name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
      await expect.poll(() => error.textContent(), { timeout: WAIT_MS }).toMatch(/empty\.txt.*is empty/);
      expect(await box.inputValue()).toBe('the slides for tomorrow');
      expect(await draftFile(alice.page).textContent()).toContain('slides.pdf');

      // Cancel mid-upload: the first chunk is held until the cancel, so the bar is surely on screen.
      await alice.page.getByRole('button', { name: 'Remove slides.pdf' }).click();
      await draftFile(alice.page).waitFor({ state: 'detached' });
      const { file, marker } = markedPng(500);
      await attachFile(alice.page, file);
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await alice.page.route(/\/v1\/uploads\/[^/?]+\?offset=/, async (route) => {
        await held;
        await route.continue().catch(() => {});
      });
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      const upload = alice.page.getByTestId('upload');
      await upload.waitFor();
      expect(await upload.getByRole('progressbar').count()).toBe(1);
      await upload.getByRole('button', { name: 'Cancel upload' }).click();
      // The SDK stops between chunks: the one in flight finishes, then nothing more goes up.
      await upload.getByRole('button', { name: 'Cancelling…' }).waitFor();
      release();
      await expect.poll(() => error.textContent(), { timeout: WAIT_MS }).toMatch(/cancelled/i);
      await alice.page.unroute(/\/v1\/uploads\/[^/?]+\?offset=/);
      expect(await box.inputValue()).toBe('the slides for tomorrow');
      expect(await draftFile(alice.page).textContent()).toContain(file.name);
      expect(await alice.bubbles('text').count()).toBe(0);

      // Sent again, as a normal message: inline for both, with the caption.
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await alice.page.locator('[data-kind="text"][data-attachment="image"] img').waitFor();
      await draftFile(alice.page).waitFor({ state: 'detached' });
      expect(await box.inputValue()).toBe('');
      await bob.openChat('tara');
      const img = bob.page.locator('[data-kind="text"][data-attachment="image"] img');
      await img.waitFor();
      await waitFor(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 500), {
        timeout: WAIT_MS,
        what: 'the photo inline',
      });
      expect(await bob.message('the slides for tomorrow').count()).toBe(1);
      // A normal message is not view-once, but the app still keeps its bytes out of storage.
      expect(await bob.storage()).not.toContain(marker);
    },
    TEST_MS,
  );

  it(
    'a pasted image and a dropped file become the draft attachment; a burn file opens to its name only, never saved',
    async () => {
      const { alice, bob } = await pair('pia', 'paul');
      const { file } = markedPng(40);
      const bytes = [...file.buffer];
      await alice.page.getByRole('textbox', { name: /message to/i }).evaluate((box, data) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
        box.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }),
        );
      }, bytes);
      await expect
        .poll(() => draftFile(alice.page).textContent(), { timeout: WAIT_MS })
        .toContain('pasted.png');
      expect(await draftFile(alice.page).locator('img').count()).toBe(1); // the sender's own preview

      await alice.page.locator('.timeline').evaluate((timeline) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(['minutes of the meeting'], 'notes.txt', { type: 'text/plain' }));
        for (const type of ['dragenter', 'dragover', 'drop'])
          timeline.dispatchEvent(
            new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
          );
      });
      await expect
        .poll(() => draftFile(alice.page).textContent(), { timeout: WAIT_MS })
        .toContain('notes.txt');
      expect(await draftFile(alice.page).textContent()).toMatch(/File · 22\sB/);

      // Sent as a burn message: Bob's viewer says what the file was and that it cannot be saved.
      await alice.page.getByRole('button', { name: 'Burn after reading' }).click();
      await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
      await alice.bubbles('own-burn').waitFor();
      await bob.openChat('pia');
      const sealed = bob.bubbles('sealed');
      await expect
        .poll(() => sealed.textContent(), { timeout: WAIT_MS })
        .toMatch(/File · \d+\sB · Tap to view/);
      expect(await sealed.textContent()).not.toContain('notes.txt');
      await sealed.getByRole('button', { name: /Burn message from pia/ }).click();
      const viewer = bob.page.getByRole('dialog', { name: 'File from pia' });
      await viewer.waitFor();
      expect(await viewer.textContent()).toContain('notes.txt');
      expect(await viewer.textContent()).toMatch(/cannot be saved/);
      expect(await viewer.textContent()).not.toContain('minutes of the meeting');
      expect(await bob.page.locator('a[download], a[href^="blob:"]').count()).toBe(0);
      await viewer.getByRole('button', { name: 'Close & burn' }).click();
      await bob.bubbles('burned').waitFor();
    },
    TEST_MS,
  );
});
