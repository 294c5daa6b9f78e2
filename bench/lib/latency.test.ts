import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './latency.ts';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(500);
    expect(percentile(sorted, 0.99)).toBe(990);
    expect(percentile(sorted, 0.999)).toBe(999);
    expect(percentile(sorted, 1)).toBe(1000);
  });

  it('is NaN with no samples', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('summarize', () => {
  it('sorts its input and reports exact nearest-rank percentiles', () => {
    // 1..10000 in a scrambled order.
    const samples = Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 10_000) + 1);
    expect(summarize(samples)).toEqual({ count: 10_000, p50: 5000, p99: 9900, p999: 9990, max: 10_000 });
  });

  it('reports one slow outlier at p99.9 but not at p99', () => {
    const samples = [...Array.from({ length: 999 }, () => 1), 250];
    const summary = summarize(samples);
    expect(summary.p99).toBe(1);
    expect(summary.max).toBe(250);
    expect(summarize([...samples, 250]).p999).toBe(250);
  });
});
