import type { DiskScan } from './disk-scan.ts';
import { type Correctness, isCorrect, type SyncResult, type TrafficResult } from './jobs.ts';
import type { LatencySummary } from './latency.ts';
import type { MachineInfo } from './machine.ts';
import type { Settings } from './options.ts';
import type { IdleResult } from './scenarios.ts';

/** One value per target. */
export interface PerTarget<T> {
  cinder?: T;
  baseline?: T;
}

/** The disk check of one target. */
export type DiskResult = DiskScan & { cleanAfterMs: number | null };

/** Everything a run measured; written as `latest.json`. */
export interface BenchResults {
  machine: MachineInfo;
  settings: Omit<Settings, 'outDir'>;
  idle?: { requested: number; result: PerTarget<IdleResult> };
  saturation: Array<{ pairs: number; result: PerTarget<TrafficResult> }>;
  latency: Array<{ rate: number; result: PerTarget<TrafficResult> }>;
  sync?: PerTarget<SyncResult>;
  disk: PerTarget<DiskResult>;
  goals: Goal[];
  /** Every correctness check of Cinder passed. */
  correct: boolean;
  problems: string[];
  notes: string[];
  durationMs: number;
}

/** One of the issue's "speed to reach" targets, evaluated on this run. */
export interface Goal {
  goal: string;
  target: string;
  measured: string;
  pass: boolean;
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number): string => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(1)) : '–');
const kb = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KB` : '–');
const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0
    ? (a / b).toFixed(2)
    : '–';
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

/** Median reconnect time of a sync result. */
export function syncMedianMs(result: SyncResult): number {
  return median(result.syncMs);
}

type Row = [scenario: string, metric: string, cinder: string, baseline: string, ratio: string];

function row(
  scenario: string,
  metric: string,
  c: number | undefined,
  b: number | undefined,
  fmt: (n: number) => string,
): Row {
  return [scenario, metric, c === undefined ? '–' : fmt(c), b === undefined ? '–' : fmt(b), ratio(c, b)];
}

function pct(summary: LatencySummary): string {
  return `${ms(summary.p50)} / ${ms(summary.p99)} / ${ms(summary.p999)}`;
}

function latencyRows(scenario: string, r: PerTarget<TrafficResult>): Row[] {
  const rows: Row[] = [];
  const metrics = [
    ['send→stored', 'sendToStored'],
    ['send→delivered', 'sendToDelivered'],
    ['open→sender burned', 'openToBurned'],
  ] as const;
  for (const [label, key] of metrics) {
    const c = r.cinder?.latency[key];
    const b = r.baseline?.latency[key];
    rows.push([
      scenario,
      `${label} p50 / p99 / p99.9 ms`,
      c ? pct(c) : '–',
      b ? pct(b) : '–',
      `p99 ${ratio(c?.p99, b?.p99)}`,
    ]);
    scenario = '';
  }
  const achieved = (t: TrafficResult | undefined): string =>
    t === undefined ? '–' : `${int(t.rate)}${t.overloaded ? ' (overloaded)' : ''}`;
  rows.push([
    '',
    'achieved cycles/s',
    achieved(r.cinder),
    achieved(r.baseline),
    ratio(r.cinder?.rate, r.baseline?.rate),
  ]);
  rows.push(
    row('', 'server CPU µs/cycle', r.cinder?.serverCpuUsPerCycle, r.baseline?.serverCpuUsPerCycle, int),
  );
  return rows;
}

function correctnessLine(c: Correctness | undefined): string {
  if (c === undefined) return '–';
  const errors = Object.entries(c.errors)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
  const bad = [
    c.lost ? `lost ${c.lost}` : '',
    errors ? `errors ${errors}` : '',
    c.sealedViolations ? `unsealed ${c.sealedViolations}` : '',
    c.contentMismatches ? `content mismatches ${c.contentMismatches}` : '',
    c.duplicates ? `duplicates ${c.duplicates}` : '',
    c.unexpected ? `unexpected ${c.unexpected}` : '',
    c.invalidFrames ? `invalid frames ${c.invalidFrames}` : '',
  ].filter(Boolean);
  const summary = `${int(c.completed)}/${int(c.started)} completed, ${int(c.framesValidated)} frames validated`;
  return bad.length === 0 ? `✅ ${summary}` : `❌ ${summary}; ${bad.join(', ')}`;
}

function table(header: string[], rows: string[][], align: string[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** The results as Markdown: machine, one table of Cinder vs baseline, the goals, the checks. */
export function toMarkdown(results: BenchResults): string {
  const m = results.machine;
  const s = results.settings;
  const out: string[] = [];
  out.push(`## Cinder benchmark (${s.mode}), ${m.date.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, SQLite ${m.sqlite}; ` +
      `${Object.entries(m.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; commit ${m.commit}. ` +
      `Windows: ${s.warmupMs / 1000} s warm-up + ${s.durationMs / 1000} s measured; saturation window ${s.window} cycles per pair.`,
  );
  out.push('');
  const rows: Row[] = [];
  if (results.idle) {
    const { cinder: c, baseline: b } = results.idle.result;
    const label = `idle, ${int(c?.devices ?? b?.devices ?? results.idle.requested)} devices`;
    rows.push(row(label, 'server RSS per device', c?.rssPerDeviceBytes, b?.rssPerDeviceBytes, kb));
    rows.push(row('', 'V8 heap per device', c?.heapPerDeviceBytes, b?.heapPerDeviceBytes, kb));
  }
  for (const { pairs, result } of results.saturation) {
    const label = `saturation, ${int(pairs)} pairs`;
    rows.push(row(label, 'burn cycles/s', result.cinder?.rate, result.baseline?.rate, int));
    rows.push(
      row(
        '',
        'server CPU µs/cycle',
        result.cinder?.serverCpuUsPerCycle,
        result.baseline?.serverCpuUsPerCycle,
        int,
      ),
    );
    rows.push(
      row(
        '',
        'server CPU % of a core',
        result.cinder?.serverCpuPercent,
        result.baseline?.serverCpuPercent,
        int,
      ),
    );
    rows.push(
      row(
        '',
        'load generator CPU %',
        result.cinder?.loadgenCpuPercent,
        result.baseline?.loadgenCpuPercent,
        int,
      ),
    );
    rows.push([
      '',
      'cycle p50 / p99 ms',
      result.cinder ? `${ms(result.cinder.latency.cycle.p50)} / ${ms(result.cinder.latency.cycle.p99)}` : '–',
      result.baseline
        ? `${ms(result.baseline.latency.cycle.p50)} / ${ms(result.baseline.latency.cycle.p99)}`
        : '–',
      `p99 ${ratio(result.cinder?.latency.cycle.p99, result.baseline?.latency.cycle.p99)}`,
    ]);
  }
  for (const { rate, result } of results.latency)
    rows.push(...latencyRows(`latency @ ${int(rate)}/s offered`, result));
  if (results.sync) {
    const { cinder: c, baseline: b } = results.sync;
    const label = `reconnect sync, ${int(c?.events ?? b?.events ?? 0)} events`;
    rows.push(row(label, 'time to synced, median ms', c && syncMedianMs(c), b && syncMedianMs(b), ms));
    rows.push(row('', 'bytes received', c?.bytes, b?.bytes, int));
  }
  out.push(
    table(['scenario', 'metric', 'Cinder', 'baseline', 'Cinder/baseline'], rows, [
      '---',
      '---',
      '---:',
      '---:',
      '---:',
    ]),
  );
  out.push('');
  if (results.goals.length > 0) {
    out.push('### Speed to reach (issue 4)');
    out.push('');
    out.push(
      table(
        ['goal', 'target', 'measured', ''],
        results.goals.map((g) => [g.goal, g.target, g.measured, g.pass ? '✅' : '❌']),
        ['---', '---', '---', '---'],
      ),
    );
    out.push('');
  }
  out.push('### Correctness');
  out.push('');
  const checks: string[][] = [];
  for (const { pairs, result } of results.saturation) {
    checks.push([
      `saturation ${int(pairs)} pairs`,
      correctnessLine(result.cinder?.correctness),
      correctnessLine(result.baseline?.correctness),
    ]);
  }
  for (const { rate, result } of results.latency) {
    checks.push([
      `latency @ ${int(rate)}/s`,
      correctnessLine(result.cinder?.correctness),
      correctnessLine(result.baseline?.correctness),
    ]);
  }
  if (results.sync) {
    checks.push([
      'reconnect sync',
      correctnessLine(results.sync.cinder?.correctness),
      correctnessLine(results.sync.baseline?.correctness),
    ]);
  }
  const disk = (d: DiskResult | undefined): string => {
    if (d === undefined) return '–';
    if (d.clean) return `✅ clean (${ms((d.cleanAfterMs ?? 0) / 1000)} s after the last burn)`;
    return `❌ ${d.hits.reduce((n, h) => n + h.count, 0)} copies in ${d.hits.map((h) => h.file).join(', ')}`;
  };
  checks.push(['data dir holds no burned content', disk(results.disk.cinder), disk(results.disk.baseline)]);
  if (results.idle) {
    const deflate = (r: IdleResult | undefined): string =>
      r === undefined
        ? '–'
        : r.deflateOffered === ''
          ? '✅ not negotiated'
          : `negotiated: ${r.deflateOffered}`;
    checks.push([
      'permessage-deflate when a client offers it',
      deflate(results.idle.result.cinder),
      deflate(results.idle.result.baseline),
    ]);
  }
  out.push(table(['check', 'Cinder', 'baseline'], checks, ['---', '---', '---']));
  if (results.problems.length > 0 || results.notes.length > 0) {
    out.push('');
    for (const p of results.problems) out.push(`- ❌ ${p}`);
    for (const n of results.notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}

/** Evaluate the issue's targets against a run. */
export function evaluateGoals(results: BenchResults): Goal[] {
  const goals: Goal[] = [];
  for (const { pairs, result } of results.saturation) {
    const c = result.cinder;
    if (c === undefined) continue;
    const need = pairs >= 1000 ? 20_000 : 30_000;
    const b = result.baseline;
    const share = b ? c.rate / b.rate : undefined;
    goals.push({
      goal: `saturation, ${int(pairs)} pairs`,
      target: `≥ ${int(need)} cycles/s${pairs < 1000 ? ' and ≥ 50% of baseline' : ''}`,
      measured: `${int(c.rate)}/s${share !== undefined ? ` (${Math.round(share * 100)}% of baseline)` : ''}`,
      pass: c.rate >= need && (pairs >= 1000 || share === undefined || share >= 0.5),
    });
  }
  const at10k = results.latency.find((l) => l.rate === 10_000)?.result.cinder;
  if (at10k) {
    goals.push({
      goal: 'p99 open → sender burned at 10,000/s offered',
      target: '≤ 5 ms',
      measured: `${ms(at10k.latency.openToBurned.p99)} ms${at10k.overloaded ? ' (overloaded)' : ''}`,
      pass: at10k.latency.openToBurned.p99 <= 5 && !at10k.overloaded,
    });
  }
  const idle = results.idle?.result.cinder;
  if (idle) {
    goals.push({
      goal: `server RSS per idle device (${int(idle.devices)} devices)`,
      target: '≤ 10 KB at 10,000 devices',
      measured: kb(idle.rssPerDeviceBytes),
      pass: idle.rssPerDeviceBytes <= 10 * 1024 && idle.devices >= 10_000,
    });
  }
  const sync = results.sync?.cinder;
  if (sync) {
    goals.push({
      goal: `reconnect after ${int(sync.events)} events`,
      target: '≤ 1 s',
      measured: `${ms(syncMedianMs(sync))} ms median`,
      pass: syncMedianMs(sync) <= 1000,
    });
  }
  return goals;
}

/** Correctness problems of Cinder's runs, one line each. */
export function cinderProblems(results: BenchResults): string[] {
  const problems: string[] = [];
  for (const { pairs, result } of results.saturation) {
    if (result.cinder && !isCorrect(result.cinder.correctness))
      problems.push(`saturation ${pairs} pairs: ${correctnessLine(result.cinder.correctness)}`);
  }
  for (const { rate, result } of results.latency) {
    if (result.cinder && !isCorrect(result.cinder.correctness))
      problems.push(`latency @ ${rate}/s: ${correctnessLine(result.cinder.correctness)}`);
  }
  if (results.sync?.cinder && !isCorrect(results.sync.cinder.correctness)) {
    problems.push(`reconnect sync: ${correctnessLine(results.sync.cinder.correctness)}`);
  }
  if (results.disk.cinder && !results.disk.cinder.clean)
    problems.push('Cinder data dir still holds burned content 5 s after the last burn');
  const idle = results.idle?.result.cinder;
  if (idle && idle.failed > 0) problems.push(`idle: ${idle.failed} devices failed to connect`);
  if (idle && idle.deflateOffered !== '' && !/server_no_context_takeover/.test(idle.deflateOffered)) {
    problems.push(`permessage-deflate negotiated with context takeover: ${idle.deflateOffered}`);
  }
  return problems;
}
