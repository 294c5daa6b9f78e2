/** One label set's counts: per bucket (the last is +Inf, above every bound), sum and count. */
interface Series {
  readonly labels: readonly string[];
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram kept as plain counts and written in the text format at scrape time.
 * prom-client's own `Histogram.observe` hashes and validates its labels on every call (about
 * 0.6 µs); the server observes several durations per burn cycle, so the hot path only finds the
 * series and counts (about 20 ns). Label values must come from fixed sets in the code.
 */
export class Histogram {
  readonly #series = new Map<string, Series>();

  /** `buckets`: upper bounds, ascending. */
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  /** Count `value` under `labels` (one value per label name, in order). */
  observe(labels: readonly string[], value: number): void {
    const key = labels.length === 1 ? (labels[0] as string) : labels.join('\u0000');
    let series = this.#series.get(key);
    if (!series) {
      series = { labels: [...labels], counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const { buckets } = this;
    let bucket = 0;
    while (bucket < buckets.length && value > (buckets[bucket] as number)) bucket++;
    series.counts[bucket] = (series.counts[bucket] as number) + 1;
    series.sum += value;
    series.count++;
  }

  /** The family in the Prometheus text format (0.0.4), HELP and TYPE first, ending with a newline. */
  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`];
    for (const series of this.#series.values()) {
      const pairs = this.labelNames.map((label, i) => `${label}="${escapeLabel(series.labels[i] ?? '')}"`);
      const prefix = pairs.length > 0 ? `${pairs.join(',')},` : '';
      const own = pairs.length > 0 ? `{${pairs.join(',')}}` : '';
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i] as number;
        lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${series.count}`);
      lines.push(`${this.name}_sum${own} ${series.sum}`);
      lines.push(`${this.name}_count${own} ${series.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
