/** One sample line of a Prometheus text exposition: `name{label="value",…} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A Prometheus text exposition (format 0.0.4), parsed strictly: a line that is not a comment, a
 * blank or a well-formed sample throws, so a scrape Prometheus would reject fails the test.
 */
export class Exposition {
  readonly samples: readonly Sample[];
  /** `# HELP` text by metric family. */
  readonly help: ReadonlyMap<string, string>;
  /** `# TYPE` by metric family (`counter`, `gauge`, `histogram`, …). */
  readonly types: ReadonlyMap<string, string>;

  constructor(readonly text: string) {
    const samples: Sample[] = [];
    const help = new Map<string, string>();
    const types = new Map<string, string>();
    for (const [index, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (meta) {
        const [, kind, name = '', rest = ''] = meta;
        if (kind === 'HELP') help.set(name, unescapeText(rest, false));
        else types.set(name, rest);
        continue;
      }
      if (line.startsWith('#')) continue;
      const sample = parseSample(line);
      if (!sample) throw new Error(`line ${index + 1} is not a Prometheus sample: ${JSON.stringify(line)}`);
      samples.push(sample);
    }
    this.samples = samples;
    this.help = help;
    this.types = types;
  }

  /** Samples named `name` whose labels include every one of `labels`. */
  find(name: string, labels: Readonly<Record<string, string>> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** The sum of {@link find}'s samples: 0 when there are none. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.find(name, labels).reduce((sum, s) => sum + s.value, 0);
  }

  /** Every label value of every sample. */
  labelValues(): string[] {
    return this.samples.flatMap((s) => Object.values(s.labels));
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/;

function parseSample(line: string): Sample | null {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL.exec(rest);
      if (!label) return null;
      const [whole, key = '', value = ''] = label;
      labels[key] = unescapeText(value, true);
      rest = rest.slice(whole.length);
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) return null;
    }
    rest = rest.slice(1);
  }
  const fields = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!fields?.[1]) return null;
  const value = numberOf(fields[1]);
  return value === null ? null : { name, labels, value };
}

/** A sample value as Prometheus reads it (Go's ParseFloat: `NaN`, `+Inf`, `-Inf` in any case). */
function numberOf(text: string): number | null {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Number.POSITIVE_INFINITY;
  if (word === '-inf') return Number.NEGATIVE_INFINITY;
  if (word === 'nan') return Number.NaN;
  const value = Number(text);
  return text.trim() !== '' && !Number.isNaN(value) ? value : null;
}

/** Label values escape `\\`, `\"` and `\n`; HELP text escapes `\\` and `\n`. */
function unescapeText(text: string, quotes: boolean): string {
  return text.replace(/\\(.)/g, (whole, c: string) =>
    c === 'n' ? '\n' : c === '\\' ? '\\' : c === '"' && quotes ? '"' : whole,
  );
}
