import { describe, expect, it } from 'vitest';
import { formatLeft, formatSeconds } from './format.ts';

describe('formatLeft', () => {
  const now = 1_000_000;
  it('reads coarsely, as a person would', () => {
    expect(formatLeft(now + 7 * 86_400_000, now)).toBe('7\u00a0d');
    expect(formatLeft(now + 23 * 3_600_000 + 59 * 60_000, now)).toBe('23\u00a0h');
    expect(formatLeft(now + 59 * 60_000, now)).toBe('59\u00a0min');
    expect(formatLeft(now + 4_200, now)).toBe('5\u00a0s');
    expect(formatLeft(now - 10, now)).toBe('0\u00a0s');
  });
});

describe('formatSeconds', () => {
  it('uses the largest whole unit', () => {
    expect(formatSeconds(5)).toBe('5\u00a0s');
    expect(formatSeconds(3600)).toBe('1\u00a0h');
    expect(formatSeconds(604_800)).toBe('7\u00a0d');
    expect(formatSeconds(90)).toBe('90\u00a0s');
  });
});
