import type { BrowserContextOptions } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { walkMainStates } from './main-states.ts';
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
        await walkMainStates(suite.url, alice, bob, async (app, state) => {
          await settle(app.page);
          const problems = [
            ...seriousViolations(await runAxe(app.page)),
            ...(await gradientContrastFailures(app.page)),
          ];
          found.push(...problems.map((p) => `[${setup.name} ${state}] ${p}`));
          await app.shot(`a11y-${setup.name}-${state}`);
        });
        expect(found, `accessibility problems:\n${found.join('\n')}`).toEqual([]);
      },
      TEST_MS,
    );
  }
});
