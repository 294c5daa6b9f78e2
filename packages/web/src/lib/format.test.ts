import { describe, expect, it } from 'vitest';
import { formatActivity, formatDay, formatDuration, formatLeft, formatSeconds } from './format.ts';

const now = new Date(2026, 11, 2, 15, 0).getTime();

describe('formatLeft', () => {
  it('reads coarsely, as a person would', () => {
    expect(formatLeft(now + 7 * 86_400_000, now, 'en-US')).toBe('7\u00a0d');
    expect(formatLeft(now + 23 * 3_600_000 + 59 * 60_000, now, 'en-US')).toBe('23\u00a0h');
    expect(formatLeft(now + 59 * 60_000, now, 'en-US')).toBe('59\u00a0min');
    expect(formatLeft(now + 4_200, now, 'en-US')).toBe('5\u00a0s');
    expect(formatLeft(now - 10, now, 'en-US')).toBe('0\u00a0s');
  });

  it('speaks Chinese units, with no space', () => {
    expect(formatLeft(now + 7 * 86_400_000, now, 'zh-CN')).toBe('7天');
    expect(formatLeft(now + 23 * 3_600_000, now, 'zh-CN')).toBe('23小时');
    expect(formatLeft(now + 59 * 60_000, now, 'zh-CN')).toBe('59分钟');
    expect(formatLeft(now + 4_200, now, 'zh-CN')).toBe('5秒');
  });
});

describe('formatSeconds', () => {
  it('uses the largest whole unit', () => {
    expect(formatSeconds(5, 'en-US')).toBe('5\u00a0s');
    expect(formatSeconds(3600, 'en-US')).toBe('1\u00a0h');
    expect(formatSeconds(604_800, 'en-US')).toBe('7\u00a0d');
    expect(formatSeconds(90, 'en-US')).toBe('90\u00a0s');
    expect(formatSeconds(120, 'en-US')).toBe('2\u00a0min');
    expect(formatSeconds(30, 'zh-CN')).toBe('30秒');
    expect(formatSeconds(86_400, 'zh-CN')).toBe('1天');
  });
});

describe('formatDuration', () => {
  it('spells the unit out, in the plural the locale needs', () => {
    expect(formatDuration(3600, 'en-US')).toBe('1 hour');
    expect(formatDuration(86_400, 'en-US')).toBe('1 day');
    expect(formatDuration(7 * 86_400, 'en-US')).toBe('7 days');
    expect(formatDuration(3600, 'zh-CN')).toBe('1小时');
    expect(formatDuration(7 * 86_400, 'zh-CN')).toBe('7天');
  });
});

describe('formatDay and formatActivity', () => {
  it('say today and yesterday in words, capitalised as a label', () => {
    expect(formatDay(now - 60_000, now, 'en-US')).toBe('Today');
    expect(formatDay(now - 86_400_000, now, 'en-US')).toBe('Yesterday');
    expect(formatDay(now - 86_400_000, now, 'zh-CN')).toBe('昨天');
    expect(formatDay(now - 10 * 86_400_000, now, 'zh-CN')).toBe('11月22日星期日');
    expect(formatActivity(now - 86_400_000, now, 'en-US')).toBe('Yesterday');
    expect(formatActivity(now - 86_400_000, now, 'zh-CN')).toBe('昨天');
    expect(formatActivity(now - 10 * 86_400_000, now, 'en-US')).toBe('Nov 22');
  });
});
