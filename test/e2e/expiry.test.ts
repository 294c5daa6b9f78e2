import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { useBrowserSuite } from './suite.ts';

describeBrowser('web: an unopened burn message expires', () => {
  // The server clamps every ttl to its --max-ttl: 12 s here, so "1 hour" expires while we watch,
  // and a loaded machine still shows Bob the sealed bubble before it does.
  const suite = useBrowserSuite({ maxTtlSeconds: 12 });

  it(
    'the sealed bubble counts down its lifetime, then both sides show "expired unopened"',
    async () => {
      const alice = await AppPage.open(await suite.newContext(), suite.url, 'alice');
      const bob = await AppPage.open(await suite.newContext({ colorScheme: 'dark' }), suite.url, 'bob');
      await alice.signUp('ealice');
      await bob.signUp('ebob');
      const secret = `never opened ${randomBytes(6).toString('hex')}`;
      await alice.openChat('ebob');
      await alice.send(secret, { view: '10 s', ttl: '1 hour' });
      await alice.bubbles('own-burn').waitFor();
      expect(await alice.bubbles('own-burn').textContent()).toMatch(/burns unopened in (?:[1-9]|1[0-2])\ss/);

      await bob.openChat('ealice');
      const sealed = bob.bubbles('sealed');
      await sealed.waitFor();
      expect(await sealed.textContent()).toMatch(/burns in (?:[1-9]|1[0-2])\ss/);

      const gone = bob.bubbles('burned');
      await gone.waitFor({ timeout: WAIT_MS });
      expect(await gone.textContent()).toMatch(/expired unopened/);
      expect(await bob.bubbles('sealed').count()).toBe(0);
      await alice.bubbles('burned').waitFor();
      expect(await alice.bubbles('burned').textContent()).toMatch(/expired unopened/);
      for (const app of [alice, bob]) {
        expect(await app.everything()).not.toContain(secret);
        app.expectNoProblems();
      }
      await bob.shot('14-bob-expired');
    },
    TEST_MS,
  );
});
