import { describe, expect, it } from 'vitest';
import { backoff } from '../src/index.ts';

describe('backoff', () => {
  it('is at least min and at most min + min·2^step with full jitter', () => {
    expect(backoff(0, 100, 5000, () => 0)).toBe(100);
    expect(backoff(0, 100, 5000, () => 0.999_999)).toBe(200);
    expect(backoff(3, 100, 5000, () => 0)).toBe(100);
    expect(backoff(3, 100, 5000, () => 0.999_999)).toBe(900);
    expect(backoff(3, 100, 5000, () => 0.5)).toBe(500);
  });

  it('never exceeds the cap, even after many attempts', () => {
    for (const step of [6, 10, 31, 32, 1000]) {
      expect(backoff(step, 100, 5000, () => 0.999_999)).toBe(5000);
      expect(backoff(step, 100, 5000, () => 0)).toBe(100);
    }
  });

  it('spreads real random delays over the whole window', () => {
    const delays = Array.from({ length: 2000 }, () => backoff(10, 250, 5000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...delays)).toBeLessThanOrEqual(5000);
    // Full jitter: both ends of the window are reached, not just the ceiling.
    expect(delays.some((d) => d < 1000)).toBe(true);
    expect(delays.some((d) => d > 4000)).toBe(true);
  });

  it('treats a negative step as the first one', () => {
    expect(backoff(-1, 100, 5000, () => 0.999_999)).toBe(200);
  });
});
