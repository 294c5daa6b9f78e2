import type { BrowserContextOptions } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { type MainState, photoViewer, walkMainStates } from './main-states.ts';
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
        await walkMainStates(suite.url, alice, bob, async (app, state) => {
          await settle(app.page);
          found.push(...(await horizontalOverflow(app.page)).map((p) => `[${screen.name} ${state}] ${p}`));
          await app.shot(`layout-${screen.name}-${state}`);
          await expectOnScreen(app, state, alice.name);
        });
        expect(found, `sideways overflow:\n${found.join('\n')}`).toEqual([]);
      },
      TEST_MS,
    );
  }
});

/** In the states where it matters, what a person must reach lies within the screen's width. */
async function expectOnScreen(app: AppPage, state: MainState, sender: string): Promise<void> {
  if (state === 'sealed') {
    const button = app.bubbles('sealed').getByRole('button');
    expect(await horizontalPlacement(button), 'the sealed bubble').toMatchObject({ inside: true });
  }
  if (state === 'revealed') {
    const revealed = app.bubbles('revealed');
    const message = await horizontalPlacement(revealed.locator('article'));
    const button = await horizontalPlacement(revealed.getByRole('button', { name: 'Close & burn' }));
    expect(message, 'the opened burn message lies within the screen').toMatchObject({ inside: true });
    expect(button, 'its Close & burn button lies within the screen').toMatchObject({ inside: true });
    // The message area itself does not scroll sideways either.
    const timeline = app.page.locator('.timeline');
    expect(await timeline.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  }
  if (state === 'media-viewer') {
    const button = photoViewer(app, sender).getByRole('button', { name: 'Close & burn' });
    expect(await horizontalPlacement(button), 'the viewer’s Close & burn button').toMatchObject({
      inside: true,
    });
  }
}
