import type { ServerOptions } from '@cinder/server';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { SETUP_MS } from './app-page.ts';
import { launchChromium } from './browser.ts';
import { ensureWebBuilt } from './web-build.ts';
import { startWebServer, type WebServer } from './web-server.ts';

/** What a browser suite's tests use: the server's URL and new browser contexts. */
export interface BrowserSuite {
  /** Base URL of the server serving the web app. */
  readonly url: string;
  /** A new context (one browser profile: one Cinder device), closed when the suite ends. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
}

/**
 * Call inside a `describeBrowser` block: builds the web app if stale, starts one server (with
 * `options`) and one Chromium (with `chromiumArgs` added to its flags) for the whole suite, and closes contexts, browser and server after it.
 */
export function useBrowserSuite(
  options: ServerOptions = {},
  chromiumArgs: readonly string[] = [],
): BrowserSuite {
  let server: WebServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startWebServer(options);
    browser = await launchChromium(chromiumArgs);
  }, SETUP_MS);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  }, SETUP_MS);

  return {
    get url() {
      if (!server) throw new Error('the browser suite has not started');
      return server.url;
    },
    async newContext(contextOptions) {
      if (!browser) throw new Error('the browser suite has not started');
      const context = await browser.newContext(contextOptions);
      contexts.push(context);
      return context;
    },
  };
}
