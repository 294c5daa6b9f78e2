import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';
import { afterEach, describe, it } from 'vitest';
import { takeOpenedPages } from './app-page.ts';

/** Debian's Chromium. `CINDER_CHROMIUM` points elsewhere (e.g. a local Chrome). */
export const CHROMIUM_PATH = process.env.CINDER_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, headless, sandbox-free Chromium that talks only to our server. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * `describe` for a browser suite. Without Chromium the suite is skipped with a loud warning, or,
 * when `CINDER_REQUIRE_BROWSER=1` (CI), it fails: a browser test nobody runs must not pass silently.
 * After each test, every page it opened through `AppPage.open` is checked: a CSP violation or an
 * uncaught page error fails the test even if the test never asked.
 */
export function describeBrowser(suite: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(suite, () => {
      // Registered first, so it runs after the suite's own afterEach (hooks run as a stack);
      // a page closed by then still has its problems recorded.
      afterEach(async () => {
        for (const app of takeOpenedPages()) await app.checkProblems();
      });
      body();
    });
    return;
  }
  const why = `no Chromium at ${CHROMIUM_PATH} (install Debian's "chromium" package, or set CINDER_CHROMIUM)`;
  if (process.env.CINDER_REQUIRE_BROWSER === '1') {
    describe(suite, () => {
      it('needs Chromium', () => {
        throw new Error(`${suite}: ${why}, and CINDER_REQUIRE_BROWSER=1 requires it`);
      });
    });
    return;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPED browser suite "${suite}": ${why}.\n!! Set CINDER_REQUIRE_BROWSER=1 to make this a failure.\n${'!'.repeat(78)}\n`,
  );
  describe.skip(suite, body);
}

/** Launch Debian's Chromium headless, with `extraArgs` after the usual flags (e.g. fake media devices). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...ARGS, ...extraArgs] });
}

/**
 * A browser context whose profile lives in `userDataDir`, so IndexedDB survives closing it:
 * a person closing the browser and coming back later.
 */
export function launchPersistentChromium(
  userDataDir: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    ...options,
  });
}
