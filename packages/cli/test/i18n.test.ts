import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ProcessOutput } from '../../../test/kit/index.ts';
import { ok, serverAndCli, waitForOutput } from './cinder-process.ts';

const setup = serverAndCli();

/** The environment of a person whose machine speaks Chinese: no CINDER_LANG, a zh_CN locale. */
const ZH_LOCALE: NodeJS.ProcessEnv = { CINDER_LANG: undefined, LANG: 'zh_CN.UTF-8' };

/** `cinder <args>` as `profile` on a zh_CN machine. */
function zhLocale(profile: string, ...args: string[]): Promise<ProcessOutput> {
  return setup.cli.runWith(profile, ZH_LOCALE, ...args);
}

/** `cinder --lang zh-CN <args>` as `profile` (on a machine whose locale says nothing). */
function zhFlag(profile: string, ...args: string[]): Promise<ProcessOutput> {
  return setup.cli.runWith(profile, { CINDER_LANG: undefined }, '--lang', 'zh-CN', ...args);
}

/** `cinder <args>` as `profile` in English. */
function english(profile: string, ...args: string[]): Promise<ProcessOutput> {
  return setup.cli.run(profile, ...args);
}

/** The shape of a JSON value: its keys and the types of its leaves, never the values. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return value === null ? 'null' : typeof value;
}

const CHINESE_TIME = /\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/;

// Each step spawns the command (node + tsx): allow for a busy machine.
describe('cinder in Chinese (LANG=zh_CN.UTF-8, --lang zh-CN)', { timeout: 300_000 }, () => {
  it('registers, sends a burn message, lists and opens it in Chinese; JSON and codes stay the same', async () => {
    const marker = randomBytes(16).toString('hex');
    expect(ok(await zhLocale('lilei', 'register', 'lilei'))).toBe('已注册：lilei\n');
    const registered = await zhFlag('hanmei', 'register', 'hanmei');
    expect(ok(registered)).toBe('已注册：hanmei\n');
    expect(registered.stderr).toContain('配置“hanmei”，服务器 ');

    // The id printed is the same in every language; --json is the same SendResult.
    const id = ok(await zhLocale('lilei', 'send', 'hanmei', marker, '--burn', '--view', '10秒')).trim();
    expect(id).toMatch(/^\S+$/);
    const sentZh = JSON.parse(ok(await zhFlag('lilei', 'send', 'hanmei', 'two', '--ttl', '1小时', '--json')));
    const sentEn = JSON.parse(ok(await english('lilei', 'send', 'hanmei', 'three', '--ttl', '1h', '--json')));
    expect(Object.keys(sentZh).sort()).toEqual(Object.keys(sentEn).sort());
    expect(shapeOf(sentZh)).toEqual(shapeOf(sentEn));
    // 1小时 is 1h.
    expect(sentZh.burn.ttlSeconds).toBe(3600);
    expect(sentZh.burn.viewSeconds).toBe(sentEn.burn.viewSeconds);

    // The sender listens (in Chinese, human lines) while the recipient reads.
    const listener = setup.cli.start('lilei', ['listen'], ZH_LOCALE);
    const ready = waitForOutput(listener.stderr!, (t) => t.includes('cinder：正在以 lilei 的身份接收'));
    const heard = waitForOutput(listener.stdout!, (t) => t.includes(`焚毁  ${id}`));
    await ready;

    const inbox = ok(await zhLocale('hanmei', 'inbox'));
    expect(inbox).toContain('lilei · ');
    expect(inbox).toContain('条未打开的阅后即焚');
    expect(inbox).toContain(`[已加密 · 6天23小时后焚毁 · cinder open ${id}]`);
    expect(inbox).toMatch(CHINESE_TIME);
    expect(inbox).not.toContain(marker);
    expect(inbox).not.toContain('sealed');

    // The same listing as JSON is byte for byte the English one.
    const jsonZh = ok(await zhFlag('hanmei', 'inbox', '--json'));
    const jsonEn = ok(await english('hanmei', 'inbox', '--json'));
    expect(JSON.parse(jsonZh)).toEqual(JSON.parse(jsonEn));

    expect(ok(await zhFlag('hanmei', 'open', id))).toBe(`${marker}\n`);
    const burnedLine = (await heard).split('\n').find((l) => l.includes(`焚毁  ${id}`)) ?? '';
    expect(burnedLine).toMatch(CHINESE_TIME);
    expect(burnedLine).toContain('已打开');
    expect(await heard).not.toContain(marker);
    const exited = new Promise((resolve) => listener.on('exit', resolve));
    listener.kill('SIGTERM');
    expect(await exited).toBe(0);

    // The error is said in Chinese; its code and exit code are the ones English has.
    const againZh = await zhLocale('hanmei', 'open', id);
    expect(againZh.code).toBe(1);
    expect(againZh.stdout).toBe('');
    expect(againZh.stderr).toBe(`错误：已焚毁：消息 ${id} 已被打开、已过期或已撤回 (BURNED)\n`);
    const againEn = await english('hanmei', 'open', id);
    expect(againEn.code).toBe(againZh.code);
    expect(againEn.stderr).toMatch(/^error: already burned.*\(BURNED\)\n$/);

    // open --json: the same fields in both languages.
    const [secondZh, secondEn] = [sentZh.id as string, sentEn.id as string];
    const openedZh = JSON.parse(ok(await zhLocale('hanmei', 'open', secondZh, '--json')));
    const openedEn = JSON.parse(ok(await english('hanmei', 'open', secondEn, '--json')));
    expect(shapeOf(openedZh)).toEqual(shapeOf(openedEn));
    expect(openedZh).toMatchObject({ id: secondZh, text: 'two' });

    // The server's stock words for a code add nothing to its meaning in Chinese.
    const missing = await zhFlag('hanmei', 'open', 'm_does_not_exist');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('错误：未找到 (NOT_FOUND)\n');

    // An error whose words come from the server: its code's meaning in Chinese, the code as is.
    const nobody = await zhFlag('lilei', 'send', 'nobody-here', 'x');
    const nobodyEn = await english('lilei', 'send', 'nobody-here', 'x');
    expect(nobody.code).toBe(1);
    expect(nobodyEn.code).toBe(1);
    const code = /\((\w+)\)\n$/.exec(nobodyEn.stderr)?.[1];
    expect(code).toBeDefined();
    expect(nobody.stderr).toMatch(new RegExp(`^错误：.+（.+） \\(${code}\\)\\n$`));
  });

  it('shows --help in Chinese, by flag or by locale; zh_TW stays English', async () => {
    const top = ok(await zhFlag('helper', '--help'));
    expect(top).toContain('用法：');
    expect(top).toContain('Cinder：阅后即焚的即时消息');
    expect(top).toContain('撤回你发出的、尚未打开的阅后即焚消息');
    expect(top).toContain('显示命令帮助');
    expect(top).toContain('环境变量：');
    expect(top).not.toContain('Usage:');

    const send = ok(await zhLocale('helper', 'send', '--help'));
    expect(send).toContain('发送消息（或用 --file 发送文件），并输出消息 ID');
    expect(send).toContain('选项：');
    expect(send).toContain('参数：');

    const inbox = ok(await zhLocale('helper', 'help', 'inbox'));
    expect(inbox).toContain('每个会话最多显示最近 <count> 条消息（默认：50）');

    const traditional = ok(
      await setup.cli.runWith('helper', { CINDER_LANG: undefined, LANG: 'zh_TW.UTF-8' }, '--help'),
    );
    expect(traditional).toContain('Usage: cinder');
    expect(traditional).toContain('instant messages that burn after reading');

    // --lang wins over CINDER_LANG, which wins over the locale.
    const flagWins = ok(
      await setup.cli.runWith(
        'helper',
        { CINDER_LANG: 'zh-CN', LANG: 'zh_CN.UTF-8' },
        '--lang',
        'en',
        '--help',
      ),
    );
    expect(flagWins).toContain('Usage: cinder');
    const envWins = ok(
      await setup.cli.runWith('helper', { CINDER_LANG: 'en', LANG: 'zh_CN.UTF-8' }, '--help'),
    );
    expect(envWins).toContain('Usage: cinder');
  });

  it('refuses an unknown --lang or CINDER_LANG with a usage error that names it', async () => {
    const unknown = await english('helper', '--lang', 'fr', 'inbox');
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe('error: --lang "fr" is not a language cinder speaks: use en or zh-CN\n');

    const unknownZh = await zhLocale('helper', 'whoami', '--lang=zh-TW');
    expect(unknownZh.code).toBe(2);
    expect(unknownZh.stderr).toBe('错误：--lang 的值“zh-TW”不是 cinder 支持的语言：请用 en 或 zh-CN\n');

    const badEnv = await setup.cli.runWith('helper', { CINDER_LANG: 'klingon' }, 'whoami');
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toContain('CINDER_LANG "klingon" is not a language cinder speaks');

    // Commander's own usage errors are said in Chinese too, with the exit code of a usage error.
    const badOption = await zhFlag('helper', 'inbox', '--bogus');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('错误：未知选项“--bogus”');
    const badDuration = await zhFlag('helper', 'send', 'x', 'y', '--ttl', '1x');
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toContain('不是有效的时长：“1x”');
  });
});
