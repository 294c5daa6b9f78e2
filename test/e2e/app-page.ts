import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { CspWatch } from './csp-watch.ts';
import { ROOT } from './web-build.ts';

/** Every page opened since the last `takeOpenedPages()`: the browser suites check them after each test. */
const opened = new Set<AppPage>();

/** The pages opened since the last call (and forget them). */
export function takeOpenedPages(): AppPage[] {
  const pages = [...opened];
  opened.clear();
  return pages;
}

/** Screenshots of the main states land here (gitignored). */
export const SHOTS_DIR = join(ROOT, 'test-results/e2e');

/**
 * How long any one wait for a condition may take (Playwright actions and locator waits, `waitFor`,
 * `expect.poll`). Generous on purpose: on a machine with a load average of 20 one step can take
 * seconds, and a wait that passes returns as soon as its condition holds.
 */
export const WAIT_MS = 60_000;
/** Timeout of one browser test: several such waits, on a loaded machine. */
export const TEST_MS = 240_000;
/** Timeout of a browser suite's setup (a stale web app is rebuilt, Chromium starts). */
export const SETUP_MS = 300_000;

/** Burn options as the composer labels them. */
export interface BurnChoice {
  /** "5 s", "10 s", "30 s" or "Until closed". */
  view: string;
  /** "1 hour", "1 day" or "7 days". */
  ttl?: string;
}

/**
 * Drives the Cinder web app in one page the way a person would: by labels, roles and visible text.
 * It also records what should never happen: CSP violations (seen through the DevTools protocol,
 * see csp-watch.ts), page errors, and extra sign-ins.
 */
export class AppPage {
  readonly problems: string[] = [];
  /** Set by `open`: the DevTools listener for CSP violations. */
  private watch: CspWatch | undefined;
  /** POSTs to the register / login routes: a resumed device makes none. */
  readonly signIns: string[] = [];

  constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    page.on('console', (m) => {
      const text = m.text();
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(text))
        this.problems.push(`CSP: ${text}`);
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/v1\/(accounts|sessions)$/.test(r.url())) this.signIns.push(r.url());
    });
  }

  /** Open the app at `url` in a new page of `context`. */
  static async open(context: BrowserContext, url: string, name: string): Promise<AppPage> {
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const app = new AppPage(page, name);
    app.watch = await CspWatch.attach(page, (problem) => app.problems.push(problem));
    opened.add(app);
    await page.goto(url);
    return app;
  }

  /** Create an account on the sign-in screen and wait for the chat list. */
  async signUp(username: string, password = `${username}-long-password`): Promise<void> {
    await this.page.getByRole('tab', { name: 'Create account' }).click();
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await this.me(username).waitFor();
  }

  /** Sign in to an existing account on the sign-in screen (a new device) and wait for the chat list. */
  async signIn(username: string, password = `${username}-long-password`): Promise<void> {
    await this.page.getByRole('tab', { name: 'Sign in' }).click();
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password').fill(password);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await this.me(username).waitFor();
  }

  /** The signed-in username in the sidebar (hidden on a phone while a chat is open). */
  me(username: string): Locator {
    return this.page.getByTestId('me').getByText(username, { exact: true });
  }

  /** Start or open the chat with `peer` from the sidebar. */
  async openChat(peer: string): Promise<void> {
    const row = this.page.locator(`a.chat-row[data-peer="${peer}"]`);
    if (await row.isVisible()) await row.click();
    else {
      await this.page.getByLabel('Start a chat with username').fill(peer);
      await this.page.keyboard.press('Enter');
    }
    await this.page.getByRole('heading', { name: peer, exact: true }).waitFor();
  }

  /** Type `text` and press Enter; with `burn`, switch burn on and pick the options first. */
  async send(text: string, burn?: BurnChoice): Promise<void> {
    const toggle = this.page.getByRole('button', { name: 'Burn after reading' });
    const pressed = (await toggle.getAttribute('aria-pressed')) === 'true';
    if (pressed !== Boolean(burn)) await toggle.click();
    if (burn) {
      await this.page.getByRole('radio', { name: burn.view, exact: true }).check();
      if (burn.ttl) await this.page.getByRole('radio', { name: burn.ttl, exact: true }).check();
    }
    const box = this.page.getByRole('textbox', { name: /message to/i });
    await box.fill(text);
    await box.press('Enter');
  }

  /** Bubbles by kind: text, own-burn, sealed, revealed, burned, pending. */
  bubbles(kind: string): Locator {
    return this.page.locator(`[data-kind="${kind}"]`);
  }

  /** A message bubble in the open conversation whose text includes `text`. */
  message(text: string): Locator {
    return this.page.locator('.timeline').getByText(text);
  }

  /** The open conversation's safety-number button (header); `data-verified` tells its state. */
  safetyButton(): Locator {
    return this.page.getByRole('button', { name: /^Safety number/ });
  }

  /** The safety-number dialog. */
  safetyDialog(): Locator {
    return this.page.getByTestId('safety-dialog');
  }

  /** Open the safety-number view from the conversation header and wait until it shows a number. */
  async openSafetyNumber(): Promise<Locator> {
    await this.safetyButton().click();
    const dialog = this.safetyDialog();
    await dialog.getByTestId('safety-number').waitFor();
    return dialog;
  }

  /** The safety number the open dialog shows: its groups of digits, separated by one space. */
  async readSafetyNumber(): Promise<string> {
    const text = (await this.safetyDialog().getByTestId('safety-number').textContent()) ?? '';
    return text.trim().split(/\s+/).join(' ');
  }

  /** Close the safety-number dialog with its close button. */
  async closeSafetyNumber(): Promise<void> {
    await this.page.getByRole('button', { name: 'Close safety number' }).click();
    await this.safetyDialog().waitFor({ state: 'detached' });
  }

  /** The connection badge the person can see. */
  connection(): Locator {
    return this.page.locator('[data-connection]:visible').first();
  }

  /** Everything the page holds that a script on this origin could read back: DOM plus storage. */
  async everything(): Promise<string> {
    return `${await this.dom()}\n${await this.storage()}`;
  }

  /** The DOM as markup and as visible text, the title, and every form field's value. */
  async dom(): Promise<string> {
    return this.page.evaluate(() => {
      const parts = [document.documentElement.outerHTML, document.title];
      for (const el of document.querySelectorAll('input, textarea'))
        parts.push((el as HTMLInputElement).value);
      return parts.join('\n');
    });
  }

  /** Web storage and every IndexedDB database of the origin, record by record (keys and values). */
  async storage(): Promise<string> {
    return this.page.evaluate(async () => {
      const parts: string[] = [];
      for (const storage of [localStorage, sessionStorage]) {
        for (let i = 0; i < storage.length; i++) {
          const key = storage.key(i) ?? '';
          parts.push(key, storage.getItem(key) ?? '');
        }
      }
      const decoder = new TextDecoder();
      const replacer = (_key: string, value: unknown) => {
        if (value instanceof ArrayBuffer) return decoder.decode(value);
        if (ArrayBuffer.isView(value)) return decoder.decode(value);
        return value;
      };
      for (const info of await indexedDB.databases()) {
        if (!info.name) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const req = indexedDB.open(info.name as string);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        for (const storeName of db.objectStoreNames) {
          const store = db.transaction(storeName, 'readonly').objectStore(storeName);
          const read = (req: IDBRequest) =>
            new Promise<unknown>((resolve, reject) => {
              req.onsuccess = () => resolve(req.result);
              req.onerror = () => reject(req.error);
            });
          const [keys, values] = await Promise.all([read(store.getAllKeys()), read(store.getAll())]);
          parts.push(`idb:${info.name}/${storeName}`, JSON.stringify({ keys, values }, replacer));
        }
        db.close();
      }
      return parts.join('\n');
    });
  }

  /** Save a screenshot to test-results/e2e/<name>.png. */
  async shot(name: string): Promise<string> {
    mkdirSync(SHOTS_DIR, { recursive: true });
    const path = join(SHOTS_DIR, `${name}.png`);
    await this.page.screenshot({ path, animations: 'disabled' });
    return path;
  }

  /** Wait until Chromium has reported what it saw so far, then fail on any problem. */
  async checkProblems(): Promise<void> {
    await this.watch?.flush();
    this.expectNoProblems();
  }

  /** Fail on any CSP violation or uncaught page error seen so far. */
  expectNoProblems(): void {
    expect(this.problems, `${this.name}: CSP violations or page errors`).toEqual([]);
  }
}
