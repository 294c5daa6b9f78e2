import { describe, expect, it } from 'vitest';
import { emptyCorrectness, type TrafficResult } from './jobs.ts';
import type { LatencySummary } from './latency.ts';
import {
  CLUSTER_SHAPES,
  type ClusterResults,
  type ClusterTargetId,
  type ClusterTargetResult,
  clusterGoals,
  clusterProblems,
  clusterSection,
  counterValue,
  perCycle,
  postgresCpuUsPerCycle,
  ratioOf,
  totalCpuUsPerCycle,
} from './report-cluster.ts';

const lat = (p99: number): LatencySummary => ({ count: 100, p50: p99 / 2, p99, p999: p99 * 2, max: p99 * 3 });

/** A one-second window that completed `rate` cycles. */
function traffic(rate: number, overrides: Partial<TrafficResult> = {}): TrafficResult {
  return {
    kind: 'closed',
    pairs: 50,
    window: 4,
    overloaded: false,
    cyclesInWindow: rate,
    windowMs: 1000,
    rate,
    serverCpuMs: 500,
    serverCpuUsPerCycle: 500_000 / rate,
    serverCpuPercent: 50,
    serverWriteSyscallsPerCycle: 3,
    serverDiskBytesPerCycle: 1000,
    loadgenCpuPercent: 50,
    loadgenCpuUsPerCycle: 40,
    latency: { sendToStored: lat(1), sendToDelivered: lat(2), openToBurned: lat(3), cycle: lat(4) },
    correctness: { ...emptyCorrectness(), started: rate, completed: rate },
    extensions: '',
    windowMonotonicUs: [0, 1],
    ...overrides,
  };
}

function target(
  id: ClusterTargetId,
  rate: number,
  extra: Partial<ClusterTargetResult> = {},
): ClusterTargetResult {
  const postgres = CLUSTER_SHAPES[id].storage === 'postgres';
  return {
    id,
    shape: CLUSTER_SHAPES[id],
    saturation: traffic(rate, postgres ? { postgresCpuMs: 250 } : {}),
    ...(postgres
      ? {
          queries: { count: 20 * rate, cycles: rate },
          transactions: { count: 8 * rate, cycles: rate },
          idle: { seconds: 7.5, queries: 40, transactions: 15 },
        }
      : {}),
    leftovers: [],
    ...extra,
  };
}

function results(targets: ClusterTargetResult[]): ClusterResults {
  return { pairs: 50, window: 4, openRate: 500, targets, skipped: [] };
}

/** Today's shape: PostgreSQL far behind SQLite, two nodes a little ahead of one. */
const today = results([
  target('cinder-sqlite', 2000, { openLoop: traffic(500, { kind: 'open', offeredRate: 500 }) }),
  target('cinder-pg', 200, {
    openLoop: traffic(150, {
      kind: 'open',
      offeredRate: 500,
      overloaded: true,
      overloadedAfterMs: 2000,
      latency: { sendToStored: lat(1), sendToDelivered: lat(2), openToBurned: lat(300), cycle: lat(4) },
      correctness: { ...emptyCorrectness(), started: 1000, completed: 400, lost: 600 },
    }),
  }),
  target('cinder-pg-notify', 190),
  target('cinder-pg2-redis', 180),
  target('cinder-pg2-notify', 220),
]);

describe('cluster report', () => {
  it('computes per-cycle figures and ratios, NaN where there is nothing to divide', () => {
    expect(perCycle({ count: 2000, cycles: 100 })).toBe(20);
    expect(perCycle({ count: 5, cycles: 0 })).toBeNaN();
    expect(perCycle(undefined)).toBeNaN();
    expect(ratioOf(100, 200)).toBe(0.5);
    expect(ratioOf(100, 0)).toBeNaN();
    expect(ratioOf(undefined, 1)).toBeNaN();
    const r = traffic(200, { serverCpuMs: 400, postgresCpuMs: 600 });
    expect(totalCpuUsPerCycle(r)).toBe(5000);
    expect(postgresCpuUsPerCycle(r)).toBe(3000);
    expect(postgresCpuUsPerCycle(traffic(200))).toBeNaN();
    expect(totalCpuUsPerCycle(traffic(200))).toBe(2500);
  });

  it("evaluates issue 13's three targets against one run", () => {
    const goals = clusterGoals(today);
    expect(goals.map((g) => [g.measured, g.pass])).toEqual([
      [0.1, false],
      [0.9, false],
      [1.1, true],
      [100, false],
    ]);
    // A target that did not run fails its goal rather than passing it by default.
    const noTwoNodes = clusterGoals(results(today.targets.slice(0, 2)));
    expect(noTwoNodes[1]?.measured).toBeNaN();
    expect(noTwoNodes[1]?.pass).toBe(false);
  });

  it('counts an overloaded open loop as capacity, a broken cycle or a stored marker as a failure', () => {
    expect(clusterProblems(today)).toEqual([]);
    const broken = results([
      target('cinder-sqlite', 100, {
        saturation: traffic(100, {
          correctness: { ...emptyCorrectness(), started: 101, completed: 100, lost: 1 },
        }),
      }),
      target('cinder-pg', 50, { leftovers: ['messages.content (1 rows)'] }),
      target('cinder-pg-notify', 50, {
        openLoop: traffic(10, {
          overloaded: true,
          correctness: { ...emptyCorrectness(), started: 20, completed: 10, lost: 10, contentMismatches: 1 },
        }),
      }),
    ]);
    const problems = clusterProblems(broken);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^cluster cinder-sqlite saturation: ❌ .*lost 1/);
    expect(problems[1]).toBe(
      "cluster cinder-pg: the run's marker is still stored in messages.content (1 rows)",
    );
    expect(problems[2]).toMatch(/^cluster cinder-pg-notify open loop: .*content mismatches 1/);
  });

  it('renders one row per target with its ratios, counts and checks, the latency pair and the goals', () => {
    const md = clusterSection({ ...today, skipped: [{ id: 'cinder-pg2-redis', why: 'Redis is down' }] });
    const row = (id: string) => md.split('\n').find((l) => l.startsWith(`| ${id} |`)) ?? '';
    // cycles/s, ÷ sqlite, ÷ pg, nodes µs, PG µs, total µs, queries, transactions, idle, marker
    expect(row('cinder-pg')).toContain(
      '| 200 | 0.10 | 1.00 | 2,500 | 1,250 | 3,750 | 20.0 | 8.0 | 40 / 15 in 7.5 s | ✅ |',
    );
    expect(row('cinder-sqlite')).toContain('| 2,000 | 1.00 | 10.00 | 250 | – | 250 | – | – | – | ✅ |');
    expect(md).toContain('| cinder-pg | 150 | 150.0 | 300.0 | 100.00 | overloaded after 2 s:');
    expect(md).toContain('| p99 open → burned at 500/s, PostgreSQL / SQLite | ≤ 2.0 | 100.00 | ❌ |');
    expect(md).toContain('⚠️ cinder-pg2-redis did not run: Redis is down');
  });

  it('reads an unlabelled counter from a Prometheus exposition', () => {
    const text = [
      '# HELP cinder_postgres_queries_total Statements.',
      '# TYPE cinder_postgres_queries_total counter',
      'cinder_postgres_queries_total 1234',
      'cinder_postgres_queries_total_other 5',
    ].join('\n');
    expect(counterValue(text, 'cinder_postgres_queries_total')).toBe(1234);
    expect(counterValue('cinder_x 1e3\n', 'cinder_x')).toBe(1000);
    expect(counterValue(text, 'cinder_missing_total')).toBeNaN();
  });
});
