import { expect, it } from 'vitest';
import { AppPage } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

describeBrowser('web: the app keeps its own Content-Security-Policy', () => {
  const suite = useBrowserSuite();

  it('loading and signing up break no CSP directive (zod does not probe Function(""))', async () => {
    const app = await AppPage.open(await suite.newContext(), suite.url, 'csp');
    await app.signUp('cspuser');
    await app.page.reload();
    await app.me('cspuser').waitFor();
    await app.checkProblems();
  });

  it('the detector sees violations the console never shows: an inline script and a caught eval', async () => {
    const app = await AppPage.open(await suite.newContext(), suite.url, 'injected');
    await app.page.getByRole('tab', { name: 'Create account' }).waitFor();
    await app.checkProblems();

    // What zod's JIT check does, from a script of the page's own origin (code evaluated through
    // DevTools is exempt from the eval rule): `new Function('')` caught, nothing in the console.
    await app.page.route('**/planted-probe.js', (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body: "try { new Function(''); window.__evalRan = true } catch { window.__evalRan = false }",
      }),
    );
    await app.page.evaluate(async () => {
      const script = document.createElement('script');
      script.src = '/planted-probe.js';
      const loaded = new Promise((resolve) => script.addEventListener('load', resolve));
      document.head.append(script);
      await loaded;
    });
    expect(await app.page.evaluate(() => (window as { __evalRan?: boolean }).__evalRan)).toBe(false);
    // An inline script injected into the page.
    await app.page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
    });
    expect(await app.page.evaluate(() => (window as { __inlineRan?: boolean }).__inlineRan)).toBeUndefined();

    const devtools = () => app.problems.filter((p) => p.startsWith('CSP (DevTools issue)'));
    await expect.poll(devtools, { timeout: 30_000 }).toHaveLength(2);
    expect(devtools().join('\n')).toMatch(/kEvalViolation/);
    expect(devtools().join('\n')).toMatch(/kInlineViolation/);
    // The suite check after this test would fail on them: prove it, then clear what was planted.
    await expect(app.checkProblems()).rejects.toThrow(/CSP/);
    app.problems.length = 0;
  });
});
