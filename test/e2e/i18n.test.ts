import { randomBytes } from 'node:crypto';
import type { Locator } from 'playwright-core';
import { expect, it } from 'vitest';
import { en } from '../../packages/web/src/i18n/en.ts';
import { AppPage as App, type AppPage, TEST_MS, WAIT_MS } from './app-page.ts';
import { describeBrowser } from './browser.ts';
import { runAxe, seriousViolations, settle } from './page-checks.ts';
import { useBrowserSuite } from './suite.ts';

/** Every string leaf of a resource. */
function leaves(resource: object): string[] {
  return Object.values(resource).flatMap((v) => (typeof v === 'string' ? [v] : leaves(v as object)));
}

/**
 * The literal pieces of resource strings as a page shows them: without `{{values}}` and `<tags>`,
 * trimmed of spaces and punctuation, and only those with a word of three letters or more.
 */
function fragments(resource: object): Set<string> {
  const out = new Set<string>();
  for (const value of leaves(resource)) {
    for (const piece of value.split(/\{\{[^}]*\}\}|<[^>]*>/)) {
      const trimmed = piece.replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '');
      if (/[A-Za-z]{3,}/.test(trimmed)) out.add(trimmed);
    }
  }
  return out;
}

/** English words the Chinese app shows too: the product name. */
const SAME_IN_CHINESE = new Set(['Cinder']);

/** English UI text that must never show in the Chinese app: every piece of the en resource but the product name. */
const ENGLISH = [...fragments(en)].filter((f) => !SAME_IN_CHINESE.has(f));

/** What a person sees or hears of the page: its text, and the labels, titles, placeholders and alt texts. */
function readable(app: AppPage): Promise<string> {
  return app.page.evaluate(() => {
    // biome-ignore lint/performance/useDomNodeTextContent: what is rendered is the point (not <template> or hidden text).
    const parts = [document.body.innerText, document.title];
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]'))
      for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
        const value = el.getAttribute(name);
        if (value) parts.push(value);
      }
    return parts.join('\n');
  });
}

/**
 * The page is in Chinese: `<html lang>` says so, each of `expected` shows, and no piece of the
 * English resource does (usernames, message text and "Cinder" are not in it; the pieces are
 * whole phrases or words of three letters or more, so a username cannot match one by chance).
 */
async function expectChinese(app: AppPage, expected: readonly string[]): Promise<void> {
  expect(await app.page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
  for (const text of expected)
    await expect.poll(() => readable(app), { timeout: WAIT_MS, message: text }).toContain(text);
  const shown = await readable(app);
  expect(ENGLISH.filter((f) => shown.includes(f))).toEqual([]);
  // An element that <Trans> failed to put in place would show as markup.
  expect(shown).not.toMatch(/<\/?[a-z]+\/?>|\{\{/);
}

const CJK = /[\u3400-\u9fff]/;

/** Create an account with the Chinese sign-up form. */
async function signUpZh(app: AppPage, username: string): Promise<void> {
  await app.page.getByRole('tab', { name: '创建账号' }).click();
  await app.page.getByLabel('用户名').fill(username);
  await app.page.getByLabel('密码').fill(`${username}-long-password`);
  await app.page.getByRole('button', { name: '创建账号' }).click();
  await app.me(username).waitFor();
}

/** Open the chat with `peer` from the Chinese sidebar. */
async function openChatZh(app: AppPage, peer: string): Promise<void> {
  const row = app.page.locator(`a.chat-row[data-peer="${peer}"]`);
  if (await row.isVisible()) await row.click();
  else {
    await app.page.getByLabel('输入用户名发起聊天').fill(peer);
    await app.page.keyboard.press('Enter');
  }
  await app.page.getByRole('heading', { name: peer, exact: true }).waitFor();
}

/** The settings dialog, opened from the gear in the sidebar (named in either language). */
async function openSettings(app: AppPage, gear: string): Promise<Locator> {
  await app.page.getByRole('button', { name: gear, exact: true }).click();
  const dialog = app.page.getByRole('dialog');
  await dialog.waitFor();
  return dialog;
}

describeBrowser('web: Simplified Chinese and English', () => {
  const suite = useBrowserSuite();

  it(
    'a zh-CN browser runs the whole burn flow in Chinese, with no English UI text, and <html lang="zh-CN">',
    async () => {
      const aliceCtx = await suite.newContext({
        locale: 'zh-CN',
        viewport: { width: 1200, height: 780 },
        colorScheme: 'light',
      });
      const bobCtx = await suite.newContext({
        locale: 'zh-CN',
        viewport: { width: 390, height: 780 },
        colorScheme: 'dark',
        isMobile: true,
        hasTouch: true,
      });
      const tag = randomBytes(3).toString('hex');
      const alice = await App.open(aliceCtx, suite.url, `li_${tag}`);
      const bob = await App.open(bobCtx, suite.url, `wang_${tag}`);
      expect(await alice.page.evaluate(() => navigator.language)).toBe('zh-CN');

      await expectChinese(alice, ['话只说一次。', '说完即成灰烬。', '创建账号', '用户名', '密码']);
      await alice.shot('i18n-zh-01-sign-up');
      await signUpZh(alice, alice.name);
      await signUpZh(bob, bob.name);
      await expectChinese(alice, [
        '还没有聊天。',
        '已连接',
        '选择一个聊天，或在左侧输入用户名发起新的聊天。',
      ]);
      await alice.shot('i18n-zh-02-chat-list');

      await openChatZh(alice, bob.name);
      await expectChinese(alice, [
        `这是你和 ${bob.name} 聊天的开始。`,
        '点亮',
        '火焰，即可发送阅后即焚消息。',
      ]);
      // Burn on: the view windows and ttls are Intl durations in Chinese.
      await alice.page.getByRole('button', { name: '阅后即焚', exact: true }).click();
      for (const name of ['5秒', '10秒', '30秒', '直到关闭', '1小时', '1天', '7天'])
        await alice.page.getByRole('radio', { name, exact: true }).waitFor();
      await alice.page.getByRole('radio', { name: '直到关闭', exact: true }).check();
      await alice.page.getByRole('radio', { name: '1小时', exact: true }).check();
      await expectChinese(alice, ['查看时长', '未打开时保留', '端到端加密']);
      await alice.shot('i18n-zh-03-composer-burn');

      const secret = `门禁密码 ${randomBytes(4).toString('hex')}`;
      const box = alice.page.getByRole('textbox', { name: `发给 ${bob.name} 的阅后即焚消息` });
      await box.fill(secret);
      await box.press('Enter');
      const ownBurn = alice.bubbles('own-burn');
      await ownBurn.waitFor();
      expect(await ownBurn.textContent()).toContain(secret);

      // Bob: a sealed bubble, in Chinese, with the time left as a Chinese duration.
      await bob.page.locator(`a.chat-row[data-peer="${alice.name}"] .badge--sealed`).waitFor();
      await expectChinese(bob, ['阅后即焚消息 · 点击查看']);
      await bob.shot('i18n-zh-04-bob-list-sealed');
      await openChatZh(bob, alice.name);
      const sealed = bob.bubbles('sealed');
      await sealed.waitFor();
      await expect.poll(() => sealed.textContent(), { timeout: WAIT_MS }).toContain('点击查看');
      expect(await sealed.textContent()).toMatch(/可查看至关闭 · \d+分钟后焚毁/);
      expect(await sealed.textContent()).toContain(`来自 ${alice.name}`);
      await expectChinese(bob, ['点击查看', '端到端加密', '已连接']);
      await bob.shot('i18n-zh-05-bob-sealed');

      // Alice reads "已送达" once Bob's device has it.
      await expect.poll(() => ownBurn.textContent(), { timeout: WAIT_MS }).toContain('已送达');
      await expectChinese(alice, ['阅后即焚', '打开后可查看至关闭', '撤回', '已送达']);
      await alice.shot('i18n-zh-06-alice-sent');

      // Bob opens it, then closes it, which burns it.
      await sealed.getByRole('button', { name: new RegExp(`来自 ${alice.name} 的阅后即焚消息`) }).click();
      const revealed = bob.bubbles('revealed');
      await revealed.waitFor();
      expect(await revealed.textContent()).toContain(secret);
      await expectChinese(bob, ['关闭后焚毁', '关闭并焚毁']);
      await bob.shot('i18n-zh-07-bob-revealed');
      await revealed.getByRole('button', { name: '关闭并焚毁' }).click();

      const placeholder = bob.bubbles('burned');
      await placeholder.waitFor();
      expect(await placeholder.textContent()).toMatch(/已焚毁 · \d{1,2}:\d{2} 打开/);
      await expectChinese(bob, ['已焚毁']);
      await bob.shot('i18n-zh-08-bob-burned');

      const alicePlaceholder = alice.bubbles('burned');
      await alicePlaceholder.waitFor();
      expect(await alicePlaceholder.textContent()).toMatch(
        new RegExp(`${bob.name} 已查看 · \\d{1,2}:\\d{2} 焚毁`),
      );
      await expectChinese(alice, [`${bob.name} 已查看`]);
      await alice.shot('i18n-zh-09-alice-burned');
    },
    TEST_MS,
  );

  it(
    'the language switch in settings changes the page live, <html lang> follows, and it survives a reload',
    async () => {
      const ctx = await suite.newContext({ locale: 'zh-CN', viewport: { width: 1200, height: 780 } });
      const app = await App.open(ctx, suite.url, `zhao_${randomBytes(3).toString('hex')}`);
      await signUpZh(app, app.name);

      // A real modal dialog: named, focus inside, the current language checked.
      let dialog = await openSettings(app, '设置');
      expect(await dialog.getAttribute('aria-labelledby')).toBeTruthy();
      await app.page.getByRole('dialog', { name: '设置' }).waitFor();
      expect(
        await dialog.evaluate((d) => (d as HTMLDialogElement).open && d.contains(document.activeElement)),
      ).toBe(true);
      expect(await dialog.getByRole('radio', { name: '简体中文' }).isChecked()).toBe(true);
      await expectChinese(app, ['语言', '日期、时间和时长也会随语言显示。']);
      await settle(app.page);
      expect(seriousViolations(await runAxe(app.page))).toEqual([]);
      await app.shot('i18n-zh-10-settings');

      await dialog.getByRole('radio', { name: 'English' }).check();
      await expect
        .poll(() => app.page.evaluate(() => document.documentElement.lang), { timeout: WAIT_MS })
        .toBe('en');
      await app.page.getByRole('dialog', { name: 'Settings' }).waitFor();
      await app.page.getByText('No chats yet.').waitFor();
      expect(await readable(app)).not.toContain('还没有聊天');
      await app.shot('i18n-en-11-settings-switched');

      // Escape closes it and focus goes back to the gear.
      await app.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await app.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
        'Settings',
      );

      // The choice wins over the browser's zh-CN after a reload.
      await app.page.reload();
      await app.me(app.name).waitFor();
      expect(await app.page.evaluate(() => document.documentElement.lang)).toBe('en');
      await app.page.getByText('No chats yet.').waitFor();
      expect(CJK.test(await readable(app))).toBe(false);

      // And back.
      dialog = await openSettings(app, 'Settings');
      await dialog.getByRole('radio', { name: '简体中文' }).check();
      await app.page.getByRole('dialog', { name: '设置' }).waitFor();
      await app.page.getByRole('button', { name: '关闭设置' }).click();
      await dialog.waitFor({ state: 'detached' });
      await expectChinese(app, ['还没有聊天。']);
    },
    TEST_MS,
  );

  it(
    'an en-US browser stays English, with <html lang="en">',
    async () => {
      const ctx = await suite.newContext({ locale: 'en-US', viewport: { width: 1200, height: 780 } });
      const app = await App.open(ctx, suite.url, `smith_${randomBytes(3).toString('hex')}`);
      expect(await app.page.evaluate(() => navigator.language)).toBe('en-US');
      await app.page.getByRole('heading', { name: /then it’s ash/i }).waitFor();
      expect(await app.page.evaluate(() => document.documentElement.lang)).toBe('en');
      await app.signUp(app.name);
      await app.page.getByText('No chats yet.').waitFor();
      expect(CJK.test(await readable(app))).toBe(false);
      await app.shot('i18n-en-12-chat-list');
    },
    TEST_MS,
  );
});
