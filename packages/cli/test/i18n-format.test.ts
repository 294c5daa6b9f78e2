import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseUserDuration } from '../src/duration.ts';
import { burnsIn, formatTime, messageLine } from '../src/format.ts';
import { commanderMessage } from '../src/i18n/commander-text.ts';
import { createI18n, ENGLISH } from '../src/i18n/i18n.ts';

const ZH = createI18n('zh-CN');

describe('durations in Chinese', () => {
  it.each([
    [-3, '0秒'],
    [0, '0秒'],
    [59, '59秒'],
    [60, '1分钟'],
    [3599, '59分钟'],
    [3600, '1小时'],
    [3660, '1小时1分钟'],
    [86_400, '1天'],
    [6 * 86_400 + 23 * 3600 + 59, '6天23小时'],
  ])('formats %i seconds as %j', (seconds, text) => {
    expect(formatDuration(seconds, ZH)).toBe(text);
  });

  it.each([
    ['10秒', 10],
    ['10秒钟', 10],
    ['5分钟', 300],
    ['1小时', 3600],
    ['2个小时', 7200],
    ['1小时30分', 5400],
    ['1小时30分钟', 5400],
    ['7天', 604_800],
    ['2周', 1_209_600],
    ['1星期', 604_800],
    ['1.5小时', 5400],
  ])('parses %j as %i seconds', (input, seconds) => {
    expect(parseUserDuration(input)).toBe(seconds);
  });

  it('parses what parseDuration parses, and rejects what it rejects', () => {
    for (const input of ['0', '90', '10s', '1h30m', '1.5h', ' 10S ', '2w']) {
      expect(parseUserDuration(input)).toBe(parseDuration(input));
    }
    for (const input of ['', '10x', '1h 30m', '1小时 30分', '秒', '-5秒', '十秒']) {
      expect(() => parseUserDuration(input), input).toThrow();
    }
  });
});

describe('times and listing lines in Chinese', () => {
  const now = Date.UTC(2026, 0, 1, 10, 0, 0);

  it('formats a time as YYYY/MM/DD HH:MM:SS in zh-CN and YYYY-MM-DD HH:MM:SS in English', () => {
    expect(formatTime(now, ZH)).toMatch(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(formatTime(now, ENGLISH)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    // The same instant in both: only the separators differ.
    expect(formatTime(now, ZH).replaceAll('/', '-')).toBe(formatTime(now, ENGLISH));
  });

  it('says when a burn message burns, and shows a sealed one without its text', () => {
    expect(burnsIn(now + 58 * 60_000 + 500, now, ZH)).toBe('58分钟后焚毁');
    expect(burnsIn(now - 1, now, ZH)).toBe('正在焚毁');
    const base = { id: 'm1', from: 'alice', sentAt: now, burn: { expiresAt: now + 5000 } };
    expect(messageLine(base, now, ZH)).toMatch(/ {2}alice {2}\[已加密 · 5秒后焚毁 · cinder open m1\]$/);
    expect(messageLine({ ...base, mine: true, text: 'hi' }, now, ZH)).toContain(
      '[阅后即焚 · 未读 · 5秒后焚毁] hi',
    );
    const photo = { kind: 'image', size: 245_760 } as const;
    expect(messageLine({ ...base, attachment: photo }, now, ZH)).toContain(
      '[已加密 · 图片 · 240 KB · 5秒后焚毁 · cinder open m1 --out <path>]',
    );
  });
});

describe("commander's messages", () => {
  it.each([
    ["error: unknown command 'frob'\n", '错误：未知命令“frob”\n'],
    [
      "error: unknown command 'sned'\n(Did you mean send?)\n",
      '错误：未知命令“sned”\n（你是不是想输入 send？）\n',
    ],
    ["error: unknown option '--bogus'\n", '错误：未知选项“--bogus”\n'],
    ["error: missing required argument 'id'\n", '错误：缺少必需的参数“id”\n'],
    ["error: option '--ttl <duration>' argument missing\n", '错误：选项“--ttl <duration>”缺少参数值\n'],
    ['error: too many arguments\n', '错误：参数过多\n'],
    [
      "error: too many arguments for 'open'. Expected 1 argument but got 2.\n",
      '错误：“open”的参数过多：应为 1 个，实际为 2 个。\n',
    ],
    [
      "error: option '-n, --limit <count>' argument '0' is invalid. 必须是正整数\n",
      '错误：选项“-n, --limit <count>”的值“0”无效。必须是正整数\n',
    ],
  ])('says %j in Chinese', (english, chinese) => {
    expect(commanderMessage(english, ZH)).toBe(chinese);
  });

  it('leaves English, and messages it does not know, as they are', () => {
    expect(commanderMessage("error: unknown option '--bogus'\n", ENGLISH)).toBe(
      "error: unknown option '--bogus'\n",
    );
    expect(commanderMessage('错误：--ext 不是有效的 JSON\n', ZH)).toBe('错误：--ext 不是有效的 JSON\n');
  });
});
