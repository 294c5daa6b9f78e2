/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`): where the CPU time went, by category,
 * by source file (inclusive: time with that file anywhere on the stack) and by function (self).
 *
 * Run: npx tsx bench/profile/summarize.ts <file.cpuprofile>
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of the `.cpuprofile` JSON this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A share of the profile's time. */
export interface Share {
  name: string;
  ms: number;
  percent: number;
}

/** What `summarize` finds. */
export interface ProfileSummary {
  totalMs: number;
  /** Self time by category (idle excluded from the percentages' base). */
  categories: Share[];
  /** Inclusive time by source file of our code and by package. */
  files: Share[];
  /** Self time by function. */
  functions: Share[];
}

/** Where a frame comes from, for grouping: a repo file, a package, node internals or native code. */
function fileOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return `(native) ${frame.functionName || '(anonymous)'}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const repo = /\/(packages\/[^?]+|bench\/[^?]+)/.exec(url);
  if (repo) return repo[1] as string;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  return url;
}

function categoryOf(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8/native (unattributed)';
  if (url === '') {
    if (name === 'parse' || name === 'stringify') return `JSON.${name}`;
    if (['run', 'get', 'all', 'iterate', 'exec', 'prepare', 'pragma', 'transaction'].includes(name))
      return 'SQLite (native)';
    if (
      name === 'writev' ||
      name === 'writeBuffer' ||
      name === 'writeUtf8String' ||
      name === 'writeLatin1String'
    ) {
      return 'socket writes (native)';
    }
    return `native: ${name || '(anonymous)'}`;
  }
  if (url.includes('node_modules/better-sqlite3')) return 'SQLite (better-sqlite3 JS)';
  if (url.includes('node_modules/ws/')) return 'ws';
  if (url.includes('node_modules/zod')) return 'zod';
  if (url.includes('node_modules/pino')) return 'pino';
  if (url.includes('node_modules/hono') || url.includes('@hono')) return 'hono';
  if (url.includes('packages/protocol/')) return 'protocol';
  if (url.includes('packages/server/'))
    return `server: ${fileOf(frame).replace(/^packages\/server\/src\//, '')}`;
  if (url.startsWith('node:')) return `node: ${url.replace(/^node:(internal\/)?/, '')}`;
  return fileOf(frame);
}

function top(map: Map<string, number>, base: number, limit: number): Share[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: (us / base) * 100 }));
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

/** Which samples to count: those stamped inside [fromUs, toUs] on the monotonic clock. */
export interface SummaryOptions {
  /** Rows per table. @default 25 */
  limit?: number;
  fromUs?: number;
  toUs?: number;
}

/**
 * Attribute each sample's time (the delta to the next sample) to its stack. With a window, only
 * samples inside it count, so start-up and set-up do not dilute the saturated part.
 */
export function summarize(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const limit = options.limit ?? 25;
  const from = options.fromUs ?? Number.NEGATIVE_INFINITY;
  const to = options.toUs ?? Number.POSITIVE_INFINITY;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfCategory = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  const inclusiveFile = new Map<string, number>();
  let busy = 0;
  let total = 0;
  let stamp = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    stamp += profile.timeDeltas[i] ?? 0;
    if (stamp < from || stamp > to) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(profile.samples[i] as number);
    if (leaf === undefined) continue;
    total += us;
    const category = categoryOf(leaf.callFrame);
    if (category === 'idle') continue;
    busy += us;
    add(selfCategory, category, us);
    const where = fileOf(leaf.callFrame);
    add(
      selfFunction,
      `${leaf.callFrame.functionName || '(anonymous)'} ${where}:${leaf.callFrame.lineNumber + 1}`,
      us,
    );
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node === undefined || node.callFrame.url === '') continue;
      const file = fileOf(node.callFrame);
      if (!seen.has(file)) {
        seen.add(file);
        add(inclusiveFile, file, us);
      }
    }
  }
  return {
    totalMs: total / 1000,
    categories: [
      { name: 'busy (not idle)', ms: busy / 1000, percent: total > 0 ? (busy / total) * 100 : 0 },
      ...top(selfCategory, busy, limit),
    ],
    files: top(inclusiveFile, busy, limit),
    functions: top(selfFunction, busy, limit),
  };
}

/** The summary as Markdown tables. */
export function summaryMarkdown(title: string, s: ProfileSummary): string {
  const section = (heading: string, shares: Share[]): string =>
    [
      `#### ${heading}`,
      '',
      '| | ms | % of busy |',
      '| --- | ---: | ---: |',
      ...shares.map((x) => `| ${x.name} | ${x.ms.toFixed(0)} | ${x.percent.toFixed(1)} |`),
      '',
    ].join('\n');
  return [
    `### ${title}`,
    '',
    `Profile length ${(s.totalMs / 1000).toFixed(1)} s.`,
    '',
    section('Self time by category', s.categories),
    section('Inclusive time by file or package (time with it anywhere on the stack)', s.files),
    section('Self time by function', s.functions),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: tsx bench/profile/summarize.ts <file.cpuprofile>\n');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  process.stdout.write(summaryMarkdown(file, summarize(profile)));
}
