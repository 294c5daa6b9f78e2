/** Percentiles of one latency metric, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Collects latency samples (ms) and summarises them.
 * Samples are kept whole (a bench run records at most a few hundred thousand), so percentiles are
 * exact rather than bucketed: p99.9 of a short run must not hide inside a histogram bucket.
 */
export class LatencyRecorder {
  private samples: Float64Array;
  private size = 0;

  /** @param capacity initial sample capacity; grows by doubling. @default 65536 */
  constructor(capacity = 65_536) {
    this.samples = new Float64Array(capacity);
  }

  /** Add one sample in milliseconds. */
  record(ms: number): void {
    if (this.size === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.size++] = ms;
  }

  /** Number of samples recorded. */
  get count(): number {
    return this.size;
  }

  /** Exact percentiles (nearest rank) of the samples so far. */
  summary(): LatencySummary {
    return summarize(this.samples.subarray(0, this.size));
  }
}

/** Nearest-rank percentile of sorted samples: the smallest sample with at least `q` of the mass at or below it. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] ?? Number.NaN;
}

/** Summarise samples (ms); the input is not modified. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}
