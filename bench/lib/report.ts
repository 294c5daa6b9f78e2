import type { DiskScan } from './disk-scan.ts';
import { isCorrect, type SyncResult, type TrafficResult } from './jobs.ts';
import type { LatencySummary } from './latency.ts';
import type { MachineInfo } from './machine.ts';
import { correctnessLine, int, kb, ms, ratio, table } from './markdown.ts';
import type { Settings } from './options.ts';
import {
  type AttachmentResults,
  attachmentChecks,
  attachmentProblems,
  attachmentSection,
} from './report-attachment.ts';
import { type ClusterResults, clusterProblems, clusterSection } from './report-cluster.ts';
import type { IdleResult } from './scenarios.ts';
import { STARTUP_BUILDS, type StartupBuild, type StartupResult } from './startup.ts';

/** One value per target (`naive` is the baseline in per-request mode, when asked for). */
export interface PerTarget<T> {
  cinder?: T;
  baseline?: T;
  naive?: T;
}

/** Column order and headings of the targets. */
const TARGETS = [
  ['cinder', 'Cinder'],
  ['baseline', 'baseline'],
  ['naive', 'naive baseline'],
] as const;
type Target = (typeof TARGETS)[number][0];

/** The disk check of one target. */
export type DiskResult = DiskScan & { cleanAfterMs: number | null };

/** Everything a run measured; written as `latest.json`. */
export interface BenchResults {
  machine: MachineInfo;
  settings: Omit<Settings, 'outDir'>;
  startup?: StartupResult;
  idle?: { requested: number; result: PerTarget<IdleResult> };
  saturation: Array<{
    pairs: number;
    result: PerTarget<TrafficResult>;
    /** Cinder again in each round, reading the key directory the other way than `result.cinder`. */
    directoryVariant?: TrafficResult;
  }>;
  latency: Array<{ rate: number; result: PerTarget<TrafficResult> }>;
  /** The attachment scenario (`sat100-file`, Cinder only). */
  attachment?: AttachmentResults;
  /** The cluster scenario (issue 13): SQLite, PostgreSQL and two PostgreSQL nodes. */
  cluster?: ClusterResults;
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

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

/** Median reconnect time of a sync result. */
export function syncMedianMs(result: SyncResult): number {
  return median(result.syncMs);
}

/** Builds table rows with one column per target present and a ratio to each baseline. */
class Rows {
  readonly rows: string[][] = [];
  private scenario = '';

  constructor(private readonly targets: readonly Target[]) {}

  /** Headings: scenario, metric, one per target, one ratio per baseline. */
  header(): string[] {
    const names = this.targets.map((t) => TARGETS.find(([k]) => k === t)?.[1] ?? t);
    const ratios = this.baselines().map((t) => `Cinder/${TARGETS.find(([k]) => k === t)?.[1] ?? t}`);
    return ['scenario', 'metric', ...names, ...ratios];
  }

  align(): string[] {
    return ['---', '---', ...this.targets.map(() => '---:'), ...this.baselines().map(() => '---:')];
  }

  /** Start a scenario: its label shows on its first row only. */
  section(label: string): this {
    this.scenario = label;
    return this;
  }

  /** A numeric metric; the ratio columns divide Cinder's value by each baseline's. */
  number<T>(metric: string, r: PerTarget<T>, pick: (v: T) => number, fmt: (n: number) => string): this {
    const value = (t: Target): number | undefined => (r[t] === undefined ? undefined : pick(r[t] as T));
    return this.push(
      metric,
      this.targets.map((t) => {
        const v = value(t);
        return v === undefined ? '–' : fmt(v);
      }),
      this.baselines().map((t) => ratio(value('cinder'), value(t))),
    );
  }

  /** A metric of Cinder alone, still compared with each baseline's same metric in the ratio columns. */
  cinderOnly<T>(metric: string, r: PerTarget<T>, pick: (v: T) => number, fmt: (n: number) => string): this {
    const value = (t: Target): number | undefined => (r[t] === undefined ? undefined : pick(r[t] as T));
    const cinder = value('cinder');
    return this.push(
      metric,
      this.targets.map((t) => (t === 'cinder' && cinder !== undefined ? fmt(cinder) : '–')),
      this.baselines().map((t) => ratio(cinder, value(t))),
    );
  }

  /** A metric shown as text; `ratioOf` picks the number the ratio columns compare. */
  text<T>(
    metric: string,
    r: PerTarget<T>,
    show: (v: T) => string,
    ratioOf: (v: T) => number,
    prefix = '',
  ): this {
    const num = (t: Target): number | undefined => (r[t] === undefined ? undefined : ratioOf(r[t] as T));
    return this.push(
      metric,
      this.targets.map((t) => (r[t] === undefined ? '–' : show(r[t] as T))),
      this.baselines().map((t) => `${prefix}${ratio(num('cinder'), num(t))}`),
    );
  }

  private push(metric: string, values: string[], ratios: string[]): this {
    this.rows.push([this.scenario, metric, ...values, ...ratios]);
    this.scenario = '';
    return this;
  }

  private baselines(): Target[] {
    return this.targets.includes('cinder') ? this.targets.filter((t) => t !== 'cinder') : [];
  }
}

/** How the load generator encrypted Cinder's burn messages in this run, for the table's heading. */
function cryptoLine(s: BenchResults['settings']): string {
  const when = s.inlineCrypto
    ? 'sealed right before each send and decrypted as each open replies, inside the cycle, as an SDK client does (`--inline-crypto`)'
    : 'sealed before each run starts and decrypted (and checked) after it drains, so that the measured window holds the wire alone (`--inline-crypto` puts both inside the cycle)';
  const directory = s.keysEverySend
    ? "the sender reads the recipient's key directory before every send, as the SDK does (`--keys-every-send`)"
    : "the sender reads each recipient's key directory once and keeps it for the run (the SDK reads it before every send: `--keys-every-send`)";
  const variant = s.directoryVariant
    ? ` Each saturation round also runs Cinder reading the directory ${s.keysEverySend ? 'once' : 'before every send'} (the "key directory" rows).`
    : '';
  return `Cinder's burn messages are end-to-end encrypted by the load generator with the SDK's \`sealEnvelope\` / \`openEnvelope\`: ${when}; ${directory}. The baselines carry plain text.${variant}`;
}

/**
 * The load generator's own cost per cycle, and Cinder's client-side crypto per message: CPU of
 * the whole load generator process over the batch sealed ahead, and over the batch decrypted
 * after the drain ('–' with inline crypto, where it is inside the load generator's µs/cycle).
 */
function clientRows(rows: Rows, r: PerTarget<TrafficResult>): void {
  const us = (n: number): string => (Number.isFinite(n) ? `${int(n)} µs` : '–');
  rows.number('load generator CPU µs/cycle', r, (v) => v.loadgenCpuUsPerCycle, int);
  rows.text(
    'client seal CPU per message',
    r,
    (v) =>
      v.client === undefined
        ? 'plain text'
        : `${us(v.client.sealCpuUsPerMessage)} (${v.client.recipientDevices} device${v.client.recipientDevices === 1 ? '' : 's'})`,
    () => Number.NaN,
  );
  rows.text(
    'client open + decrypt CPU per message',
    r,
    (v) => (v.client === undefined ? 'plain text' : us(v.client.openCpuUsPerMessage)),
    () => Number.NaN,
  );
}

function pct(summary: LatencySummary): string {
  return `${ms(summary.p50)} / ${ms(summary.p99)} / ${ms(summary.p999)}`;
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
      `Windows: ${s.warmupMs / 1000} s warm-up + ${s.durationMs / 1000} s measured; saturation window ${s.window} cycles per pair${s.rounds > 1 ? `, in ${s.rounds} rounds of ${(s.durationMs / s.rounds / 1000).toFixed(1)} s per target, interleaved across targets` : ''}.`,
  );
  out.push('');
  if (s.targets.includes('cinder')) {
    out.push(cryptoLine(s));
    out.push('');
  }
  const targets = TARGETS.map(([t]) => t).filter((t) => s.targets.includes(t));
  const rows = new Rows(targets);
  if (results.idle) {
    const r = results.idle.result;
    rows.section(`idle, ${int(r.cinder?.devices ?? r.baseline?.devices ?? results.idle.requested)} devices`);
    rows.number('server RSS per device (growth / devices)', r, (v) => v.rssPerDeviceBytes, kb);
    rows.number('server RSS per device, marginal (2nd half)', r, (v) => v.rssMarginalPerDeviceBytes, kb);
    rows.number('V8 heap per device', r, (v) => v.heapPerDeviceBytes, kb);
    rows.number('external (Buffers, native) per device', r, (v) => v.externalPerDeviceBytes, kb);
  }
  for (const { pairs, result: r, directoryVariant } of results.saturation) {
    rows.section(`saturation, ${int(pairs)} pairs`);
    rows.number('burn cycles/s', r, (v) => v.rate, int);
    if (Object.values(r).some((v) => (v?.rounds?.length ?? 0) > 1)) {
      rows.text(
        'cycles/s of each round, in order (median above)',
        r,
        (v) => (v.rounds ?? [v]).map((x) => int(x.rate)).join(' · '),
        (v) => Math.min(...(v.rounds ?? [v]).map((x) => x.rate)),
        'slowest ',
      );
    }
    rows.number('server CPU µs/cycle', r, (v) => v.serverCpuUsPerCycle, int);
    rows.number('server CPU % of a core', r, (v) => v.serverCpuPercent, int);
    rows.number(
      'server write syscalls/cycle',
      r,
      (v) => v.serverWriteSyscallsPerCycle,
      (n) => n.toFixed(1),
    );
    rows.number('server disk writes/cycle', r, (v) => v.serverDiskBytesPerCycle, kb);
    rows.number('load generator CPU % of a core', r, (v) => v.loadgenCpuPercent, int);
    clientRows(rows, r);
    rows.text(
      'cycle p50 / p99 ms',
      r,
      (v) => `${ms(v.latency.cycle.p50)} / ${ms(v.latency.cycle.p99)}`,
      (v) => v.latency.cycle.p99,
      'p99 ',
    );
    if (directoryVariant !== undefined) {
      const how =
        directoryVariant.client?.directory === 'every-send'
          ? 'key directory read before every send'
          : 'key directory read once per recipient';
      const v = { ...r, cinder: directoryVariant };
      rows.cinderOnly(`${how}: burn cycles/s`, v, (x) => x.rate, int);
      rows.cinderOnly(`${how}: server CPU µs/cycle`, v, (x) => x.serverCpuUsPerCycle, int);
    }
  }
  for (const { rate, result: r } of results.latency) {
    rows.section(`latency @ ${int(rate)}/s offered`);
    const metrics = [
      ['send→stored', 'sendToStored'],
      ['send→delivered', 'sendToDelivered'],
      ['open→sender burned', 'openToBurned'],
    ] as const;
    for (const [label, key] of metrics) {
      rows.text(
        `${label} p50 / p99 / p99.9 ms`,
        r,
        (v) => pct(v.latency[key]),
        (v) => v.latency[key].p99,
        'p99 ',
      );
    }
    rows.text(
      'achieved cycles/s',
      r,
      (v) =>
        `${int(v.rate)}${v.overloadedAfterMs === undefined ? '' : ` (overloaded after ${(v.overloadedAfterMs / 1000).toFixed(1)} s)`}`,
      (v) => v.rate,
    );
    rows.number('server CPU µs/cycle', r, (v) => v.serverCpuUsPerCycle, int);
    rows.number('server CPU % of a core', r, (v) => v.serverCpuPercent, int);
    rows.number('load generator CPU % of a core', r, (v) => v.loadgenCpuPercent, int);
    clientRows(rows, r);
  }
  if (results.sync) {
    const r = results.sync;
    rows.section(`reconnect sync, ${int(r.cinder?.events ?? r.baseline?.events ?? 0)} events`);
    rows.number('time to synced, median ms', r, syncMedianMs, ms);
    rows.number('bytes received', r, (v) => v.bytes, int);
  }
  if (rows.rows.length > 0) {
    out.push(table(rows.header(), rows.rows, rows.align()));
    out.push('');
  }
  if (results.attachment) out.push(...attachmentSection(results.attachment));
  if (results.startup) out.push(...startupSection(results.startup));
  if (results.cluster) out.push(clusterSection(results.cluster), '');
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
  // A start-up-only run started no server under test: there is nothing to check.
  const served =
    results.saturation.length > 0 ||
    results.latency.length > 0 ||
    results.sync !== undefined ||
    results.attachment !== undefined ||
    results.idle !== undefined ||
    Object.keys(results.disk).length > 0;
  if (!served) {
    for (const p of results.problems) out.push(`- ❌ ${p}`);
    for (const n of results.notes) out.push(`- ${n}`);
    out.push('');
    return out.join('\n');
  }
  out.push('### Correctness');
  out.push('');
  const checks: string[][] = [];
  const per = <T>(label: string, r: PerTarget<T>, show: (v: T | undefined) => string): void => {
    checks.push([label, ...targets.map((t) => show(r[t]))]);
  };
  for (const { pairs, result } of results.saturation) {
    per(`saturation ${int(pairs)} pairs`, result, (v) => correctnessLine(v?.correctness));
  }
  for (const { rate, result } of results.latency) {
    per(`latency @ ${int(rate)}/s`, result, (v) => correctnessLine(v?.correctness));
  }
  if (results.sync) per('reconnect sync', results.sync, (v) => correctnessLine(v?.correctness));
  if (results.attachment) {
    for (const [label, line] of attachmentChecks(results.attachment)) {
      checks.push([label, ...targets.map((t) => (t === 'cinder' ? line : '–'))]);
    }
  }
  per('data dir holds no burned content', results.disk, (d) => {
    if (d === undefined) return '–';
    if (d.clean) return `✅ clean ${ms((d.cleanAfterMs ?? 0) / 1000)} s after the last burn`;
    const copies = d.hits.reduce((n, h) => n + h.count, 0);
    return `❌ ${int(copies)} copies in ${d.hits.map((h) => h.file).join(', ')}`;
  });
  if (results.idle) {
    per('permessage-deflate when a client offers it', results.idle.result, (r) =>
      r === undefined
        ? '–'
        : r.deflateOffered === ''
          ? '✅ not negotiated'
          : `negotiated: ${r.deflateOffered}`,
    );
  }
  out.push(
    table(['check', ...targets.map((t) => TARGETS.find(([k]) => k === t)?.[1] ?? t)], checks, [
      '---',
      ...targets.map(() => '---'),
    ]),
  );
  if (results.problems.length > 0 || results.notes.length > 0) {
    out.push('');
    for (const p of results.problems) out.push(`- ❌ ${p}`);
    for (const n of results.notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}

const STARTUP_HEADINGS: Record<StartupBuild, string> = {
  compiled: 'compiled (node dist/)',
  tsx: 'source (tsx)',
  tsxNoCache: 'source (tsx, no compile cache)',
};

/** The start-up table: compiled against the TypeScript source run through tsx, as ratios. */
function startupSection(startup: StartupResult): string[] {
  const rows: string[][] = [];
  const measure = (label: string, timings: StartupResult['server']): void => {
    const median = (b: StartupBuild): number => timings[b].medianMs;
    rows.push([
      `${label}, median ms`,
      ...STARTUP_BUILDS.map((b) => int(median(b))),
      ratio(median('compiled'), median('tsx')),
      ratio(median('compiled'), median('tsxNoCache')),
    ]);
    rows.push([
      `${label}, each run`,
      ...STARTUP_BUILDS.map((b) => timings[b].runsMs.map((x) => x.toFixed(0)).join(' · ')),
      '',
      '',
    ]);
  };
  measure('server start → first /healthz 200 (SQLite, fresh data dir)', startup.server);
  measure('`cinder --help` start → exit', startup.help);
  return [
    `### Start-up (${startup.runs} runs per build, after one unmeasured start of each)`,
    '',
    table(
      [
        'measurement',
        ...STARTUP_BUILDS.map((b) => STARTUP_HEADINGS[b]),
        'compiled/tsx',
        'compiled/tsx no cache',
      ],
      rows,
      ['---', ...STARTUP_BUILDS.map(() => '---:'), '---:', '---:'],
    ),
    '',
  ];
}

/** Evaluate the issue's targets against a run. */
export function evaluateGoals(results: BenchResults): Goal[] {
  const goals: Goal[] = [];
  for (const { pairs, result } of results.saturation) {
    const c = result.cinder;
    // The issue sets goals for 100 and 1,000 pairs only (a quick run's large set is smaller).
    if (c === undefined || (pairs !== 100 && pairs !== 1000)) continue;
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
  // Judged at 10,000 devices or more: with fewer, one-off growth weighs on each device.
  if (idle && idle.devices >= 10_000) {
    goals.push({
      goal: `server RSS per idle device (${int(idle.devices)} devices)`,
      target: '≤ 10 KB at 10,000 devices',
      measured: kb(idle.rssPerDeviceBytes),
      pass: idle.rssPerDeviceBytes <= 10 * 1024,
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

/**
 * What the load generator's share of the machine says about a run: whether it, not the server,
 * set the pace, and what sealing and decrypting inside each cycle would cost it.
 */
export function clientNotes(results: BenchResults): string[] {
  const notes: string[] = [];
  const runs = [
    ...results.saturation.map(({ pairs, result }) => ({ label: `saturation ${int(pairs)} pairs`, result })),
    ...results.latency.map(({ rate, result }) => ({ label: `latency @ ${int(rate)}/s`, result })),
    ...(results.attachment === undefined
      ? []
      : [
          { label: 'text cycle beside the attachment', result: { cinder: results.attachment.text } },
          { label: 'attachment cycle', result: { cinder: results.attachment.file } },
        ]),
  ];
  for (const { label, result } of runs) {
    for (const [kind, v] of Object.entries(result) as Array<[Target, TrafficResult]>) {
      if (v.loadgenCpuPercent >= LOADGEN_BUSY_PERCENT) {
        notes.push(
          `${label}, ${kind}: the load generator used ${int(v.loadgenCpuPercent)}% of a core (server ${int(v.serverCpuPercent)}%): it, not the server, set the pace; read µs/cycle rather than cycles/s.`,
        );
      }
    }
    const c = result.cinder;
    const client = c?.client;
    if (c === undefined || client === undefined) continue;
    if (client.mode === 'ahead' && client.sealedDuringRun > 0) {
      notes.push(
        `${label}: ${int(client.sealedDuringRun)} messages were sealed during the run (the stock sealed ahead ran out), on the load generator's CPU; raise \`--preseal-rate\`.`,
      );
    }
    if (client.mode === 'inline') {
      // Sealing and decrypting share the load generator's CPU with the wire: its µs/cycle holds both.
      const busy = c.loadgenCpuPercent < LOADGEN_BUSY_PERCENT && c.serverCpuPercent < SERVER_BUSY_PERCENT;
      notes.push(
        `${label}: with the crypto inside the cycles the load generator spent ${int(c.loadgenCpuUsPerCycle)} µs of CPU per cycle (sealing, decrypting and the wire), ${(c.loadgenCpuUsPerCycle / c.serverCpuUsPerCycle).toFixed(1)}× the server's ${int(c.serverCpuUsPerCycle)} µs${busy ? `, and the server used ${int(c.serverCpuPercent)}% of a core: the load generator (its WebCrypto work waits on libuv's threads) set the pace` : ''}.`,
      );
      continue;
    }
    const crypto = client.sealCpuUsPerMessage + client.openCpuUsPerMessage;
    if (!Number.isFinite(crypto)) continue;
    const perCycle = crypto + c.loadgenCpuUsPerCycle;
    notes.push(
      `${label}: the client side of a cycle costs ${int(client.sealCpuUsPerMessage)} µs to seal and ${int(client.openCpuUsPerMessage)} µs to open and decrypt (load generator CPU, WebCrypto's threads included), ${(crypto / c.serverCpuUsPerCycle).toFixed(1)}× the server's ${int(c.serverCpuUsPerCycle)} µs per cycle. Sealing and decrypting inside the cycles, one load generator core would drive at most about ${int(1e6 / perCycle)} cycles/s here (${int(perCycle)} µs per cycle with the wire's ${int(c.loadgenCpuUsPerCycle)} µs), which is why they run before and after the measured window.`,
    );
  }
  return notes;
}

/** Load generator CPU, % of a core, from which it is taken to have set the pace. */
const LOADGEN_BUSY_PERCENT = 90;
/** Server CPU, % of a core, below which a saturation run was not paced by the server. */
const SERVER_BUSY_PERCENT = 70;

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
  if (results.attachment) problems.push(...attachmentProblems(results.attachment));
  if (results.cluster) problems.push(...clusterProblems(results.cluster));
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
