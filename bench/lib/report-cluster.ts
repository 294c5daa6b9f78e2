import { isCorrect, type TrafficResult } from './jobs.ts';
import { correctnessLine, int, ms, ratio, table } from './markdown.ts';

/**
 * The cluster scenario's targets, in the order they run: one node on SQLite; one node on
 * PostgreSQL with the in-process bus (the headline: one node needs no bus) and with the
 * LISTEN/NOTIFY bus it gets by default; two nodes on one PostgreSQL schema with Redis or
 * LISTEN/NOTIFY between them (Alice on one node, Bob on the other).
 */
export const CLUSTER_TARGETS = [
  'cinder-sqlite',
  'cinder-pg',
  'cinder-pg-notify',
  'cinder-pg2-redis',
  'cinder-pg2-notify',
] as const;
export type ClusterTargetId = (typeof CLUSTER_TARGETS)[number];

/** How a cluster target is made. */
export interface ClusterShape {
  nodes: 1 | 2;
  storage: 'sqlite' | 'postgres';
  bus: 'memory' | 'redis' | 'postgres';
}

/** The shape of each cluster target. */
export const CLUSTER_SHAPES: Record<ClusterTargetId, ClusterShape> = {
  'cinder-sqlite': { nodes: 1, storage: 'sqlite', bus: 'memory' },
  'cinder-pg': { nodes: 1, storage: 'postgres', bus: 'memory' },
  'cinder-pg-notify': { nodes: 1, storage: 'postgres', bus: 'postgres' },
  'cinder-pg2-redis': { nodes: 2, storage: 'postgres', bus: 'redis' },
  'cinder-pg2-notify': { nodes: 2, storage: 'postgres', bus: 'postgres' },
};

/** Targets that also run the open-loop job: the latency goal compares these two. */
export const OPEN_LOOP_TARGETS: readonly ClusterTargetId[] = ['cinder-sqlite', 'cinder-pg'];

/** A count over the cycles it was spent on. */
export interface PerCycleCount {
  count: number;
  cycles: number;
}

/** What one cluster target measured. */
export interface ClusterTargetResult {
  id: ClusterTargetId;
  shape: ClusterShape;
  /** The closed-loop burn cycle (saturation). */
  saturation: TrafficResult;
  /** The open-loop job at the scenario's offered rate (`OPEN_LOOP_TARGETS` only). */
  openLoop?: TrafficResult;
  /**
   * Statements sent to PostgreSQL (`cinder_postgres_queries_total`, every node) over the
   * saturation job, from the connection of its devices to the end of its drain, and the cycles it
   * completed in that time (PostgreSQL targets).
   */
  queries?: PerCycleCount;
  /** Transactions (`xact_commit + xact_rollback` of the bench database) over the same span. */
  transactions?: PerCycleCount;
  /**
   * The noise floor of those counts: the same nodes, started afresh, with no traffic for as long
   * as the saturation job took (their sweepers, heartbeats and bus keep-alives).
   */
  idle?: { seconds: number; queries: number; transactions: number };
  /** Places still holding the run's marker after the run: files (SQLite) or `table.column` (PostgreSQL). */
  leftovers: string[];
}

/** The cluster scenario's results. */
export interface ClusterResults {
  pairs: number;
  /** Cycles each pair keeps in flight in the saturation job. */
  window: number;
  /** Offered cycles/s of the open-loop job. */
  openRate: number;
  targets: ClusterTargetResult[];
  /** Targets that could not run (no PostgreSQL or Redis), and why. */
  skipped: Array<{ id: ClusterTargetId; why: string }>;
}

/** `count / cycles`, NaN without cycles. */
export function perCycle(c: PerCycleCount | undefined): number {
  return c === undefined || c.cycles <= 0 ? Number.NaN : c.count / c.cycles;
}

/** Server CPU per completed cycle: every node, plus the PostgreSQL backends of the bench database. */
export function totalCpuUsPerCycle(r: TrafficResult): number {
  if (r.cyclesInWindow <= 0) return Number.NaN;
  return ((r.serverCpuMs + (r.postgresCpuMs ?? 0)) * 1000) / r.cyclesInWindow;
}

/** CPU of the PostgreSQL backends per completed cycle, µs; NaN where there are none. */
export function postgresCpuUsPerCycle(r: TrafficResult): number {
  if (r.postgresCpuMs === undefined || r.cyclesInWindow <= 0) return Number.NaN;
  return (r.postgresCpuMs * 1000) / r.cyclesInWindow;
}

/** `a / b` of two targets' values, NaN when either is missing or b is 0. */
export function ratioOf(a: number | undefined, b: number | undefined): number {
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0
    ? a / b
    : Number.NaN;
}

function byId(results: ClusterResults, id: ClusterTargetId): ClusterTargetResult | undefined {
  return results.targets.find((t) => t.id === id);
}

/** One of issue 13's targets, evaluated on this run. */
export interface ClusterGoal {
  goal: string;
  target: string;
  measured: number;
  pass: boolean;
}

/** The three ratios: PG vs SQLite throughput, two nodes vs one, p99 open → burned. */
export function clusterGoals(results: ClusterResults): ClusterGoal[] {
  const rate = (id: ClusterTargetId) => byId(results, id)?.saturation.rate;
  const pg = rate('cinder-pg');
  const goals: ClusterGoal[] = [];
  const add = (goal: string, target: string, measured: number, min: number | null, max: number | null) =>
    goals.push({
      goal,
      target,
      measured,
      pass:
        Number.isFinite(measured) && (min === null || measured >= min) && (max === null || measured <= max),
    });
  add(
    'one PostgreSQL node / one SQLite node, cycles/s',
    '≥ 0.5',
    ratioOf(pg, rate('cinder-sqlite')),
    0.5,
    null,
  );
  add(
    'two nodes (Redis) / one PostgreSQL node, cycles/s',
    '≥ 1.0',
    ratioOf(rate('cinder-pg2-redis'), pg),
    1,
    null,
  );
  add(
    'two nodes (LISTEN/NOTIFY) / one PostgreSQL node, cycles/s',
    '≥ 1.0',
    ratioOf(rate('cinder-pg2-notify'), pg),
    1,
    null,
  );
  const p99 = (id: ClusterTargetId) => byId(results, id)?.openLoop?.latency.openToBurned.p99;
  add(
    `p99 open → burned at ${int(results.openRate)}/s, PostgreSQL / SQLite`,
    '≤ 2.0',
    ratioOf(p99('cinder-pg'), p99('cinder-sqlite')),
    null,
    2,
  );
  return goals;
}

/**
 * Correctness failures of the cluster scenario (every one is a failure of the run). An open loop
 * the target could not keep up with (`overloaded`: it stopped offering load) leaves cycles
 * unfinished at the end of the drain: that is its capacity, shown in the table, not a broken
 * cycle; every other check still holds for it.
 */
export function clusterProblems(results: ClusterResults): string[] {
  const problems: string[] = [];
  for (const t of results.targets) {
    for (const [job, r] of [
      ['saturation', t.saturation],
      ['open loop', t.openLoop],
    ] as const) {
      if (r === undefined) continue;
      const c = r.overloaded
        ? { ...r.correctness, lost: 0, started: r.correctness.completed }
        : r.correctness;
      if (!isCorrect(c)) problems.push(`cluster ${t.id} ${job}: ${correctnessLine(r.correctness)}`);
    }
    if (t.leftovers.length > 0)
      problems.push(`cluster ${t.id}: the run's marker is still stored in ${t.leftovers.join(', ')}`);
  }
  return problems;
}

const fixed2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '–');
const fixed1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');

/** The cluster scenario as Markdown: one row per target, then the latency pair and the goals. */
export function clusterSection(results: ClusterResults): string {
  const out: string[] = [];
  out.push(
    `### Cluster: ${int(results.pairs)} pairs, ${results.window} cycles in flight per pair (two nodes: Alice on node A, Bob on node B)`,
  );
  out.push('');
  const sqlite = byId(results, 'cinder-sqlite')?.saturation.rate;
  const pg = byId(results, 'cinder-pg')?.saturation.rate;
  const rows = results.targets.map((t) => {
    const r = t.saturation;
    return [
      t.id,
      `${t.shape.nodes} × ${t.shape.storage}, bus ${t.shape.bus}`,
      int(r.rate),
      ratio(r.rate, sqlite),
      ratio(r.rate, pg),
      int(r.serverCpuUsPerCycle),
      int(postgresCpuUsPerCycle(r)),
      int(totalCpuUsPerCycle(r)),
      fixed1(perCycle(t.queries)),
      fixed1(perCycle(t.transactions)),
      t.idle === undefined
        ? '–'
        : `${int(t.idle.queries)} / ${int(t.idle.transactions)} in ${fixed1(t.idle.seconds)} s`,
      t.leftovers.length === 0 ? '✅' : `❌ ${t.leftovers.length}`,
      correctnessLine(r.correctness),
    ];
  });
  out.push(
    table(
      [
        'target',
        'nodes, storage, bus',
        'cycles/s',
        '÷ sqlite',
        '÷ pg',
        'nodes CPU µs/cycle',
        'PG backends CPU µs/cycle',
        'total CPU µs/cycle',
        'queries/cycle',
        'transactions/cycle',
        'idle: queries / transactions',
        'no marker stored',
        'cycles',
      ],
      rows,
      ['---', '---', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:', ':-:', '---'],
    ),
  );
  out.push('');
  const open = results.targets.filter((t) => t.openLoop !== undefined);
  if (open.length > 0) {
    const sqliteOpen = byId(results, 'cinder-sqlite')?.openLoop?.latency.openToBurned;
    out.push(
      table(
        [
          `open loop ${int(results.openRate)}/s`,
          'done cycles/s',
          'open → burned p50 ms',
          'p99 ms',
          'p99 ÷ sqlite',
          'cycles',
        ],
        open.map((t) => {
          const r = t.openLoop as TrafficResult;
          const l = r.latency.openToBurned;
          return [
            t.id,
            int(r.rate),
            ms(l.p50),
            ms(l.p99),
            ratio(l.p99, sqliteOpen?.p99),
            r.overloaded
              ? `overloaded after ${int((r.overloadedAfterMs ?? 0) / 1000)} s: ${correctnessLine(r.correctness)}`
              : correctnessLine(r.correctness),
          ];
        }),
        ['---', '--:', '--:', '--:', '--:', '---'],
      ),
    );
    out.push('');
  }
  out.push(
    table(
      ['issue 13 target', 'target', 'measured', ''],
      clusterGoals(results).map((g) => [g.goal, g.target, fixed2(g.measured), g.pass ? '✅' : '❌']),
      ['---', '--:', '--:', ':-:'],
    ),
  );
  for (const s of results.skipped) out.push('', `⚠️ ${s.id} did not run: ${s.why}`);
  out.push(
    '',
    'Nodes CPU: every Cinder process of the target (/proc/<pid>/stat). PG backends: every PostgreSQL process titled with the bench database (its `cmdline`), over the same window; the shared WAL writer, checkpointer and Redis are not counted. Queries and transactions: `cinder_postgres_queries_total` of every node and `xact_commit + xact_rollback` of the bench database (pg_stat_database, flushed by stopping the nodes) over the saturation job, from the devices connecting to the drain, per cycle completed in it; idle: the same counts with the nodes started afresh and no traffic for as long (the noise floor).',
  );
  return out.join('\n');
}

/** Sum of the samples of counter `name` (no labels) in a Prometheus text exposition; NaN if absent. */
export function counterValue(exposition: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{\\})? ([0-9.eE+-]+)$`, 'm').exec(exposition);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}
