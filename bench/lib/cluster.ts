import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { redisAnswersPing } from '../../test/kit/redis-ping.ts';
import { benchUsername, registerDevices } from './accounts.ts';
import { waitForCleanDisk } from './disk-scan.ts';
import type { ClosedLoopJob, OpenLoopJob, Pair, TrafficResult } from './jobs.ts';
import { TrafficLoadgen } from './loadgen-client.ts';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, BenchDatabase } from './postgres-bench.ts';
import {
  CLUSTER_SHAPES,
  CLUSTER_TARGETS,
  type ClusterResults,
  type ClusterShape,
  type ClusterTargetId,
  type ClusterTargetResult,
  counterValue,
  OPEN_LOOP_TARGETS,
} from './report-cluster.ts';
import { ServerTarget } from './server-target.ts';

/** What the cluster scenario is parameterised by. */
export interface ClusterSettings {
  /** Pairs of the saturation and open-loop jobs. */
  pairs: number;
  /** Cycles each pair keeps in flight in the saturation job. */
  window: number;
  warmupMs: number;
  durationMs: number;
  /** Offered cycles/s of the open-loop job (cinder-sqlite and cinder-pg). */
  openRate: number;
  /** Cycles/s to seal ahead for on cinder-sqlite (later targets: 0.75× its measured pace). */
  presealRate: number;
  validateEvery: number;
  ackEveryMs: number;
  /** Targets to run. @default every one of CLUSTER_TARGETS */
  targets?: readonly ClusterTargetId[];
}

/** Time for in-flight cycles to finish after the window closes. */
const DRAIN_MS = 5_000;
/** Budget for connecting a job's devices. */
const SETUP_MS = 120_000;
/** The contract's bound on content outliving its burn on disk, plus time for one scan. */
const DISK_CLEAN_WITHIN_MS = 6_000;
/** Fewest cycles/s sealed ahead for on the PostgreSQL targets. */
const MIN_PG_PRESEAL = 500;

/** Whether Redis answers a PING at `url`. */
export function redisReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return redisAnswersPing(u.hostname, Number(u.port || 6379), 3_000);
}

/** The Cinder processes of one target: one or two nodes, started and stopped together. */
class Nodes {
  servers: ServerTarget[] = [];

  constructor(
    private readonly shape: ClusterShape,
    private readonly dataDir: string,
    private readonly args: string[],
  ) {}

  /** Start the nodes one after the other (each migrates the schema under a lock as it starts). */
  async start(): Promise<void> {
    for (let i = 0; i < this.shape.nodes; i++) {
      const dataDir = join(this.dataDir, `node${i}`);
      await mkdir(dataDir, { recursive: true });
      this.servers.push(await ServerTarget.start({ kind: 'cinder', dataDir, args: this.args }));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
    this.servers = [];
  }

  get a(): ServerTarget {
    const a = this.servers[0];
    if (a === undefined) throw new Error('nodes not started');
    return a;
  }

  /** Bob's node: the second one of a two-node target, else the only one. */
  get bobUrl(): string | undefined {
    return this.servers[1]?.url;
  }

  /** `cinder_postgres_queries_total` summed over the nodes. */
  async queries(): Promise<number> {
    const values = await Promise.all(
      this.servers.map(async (s) => {
        if (s.metricsUrl === null) return Number.NaN;
        const res = await fetch(s.metricsUrl);
        return counterValue(await res.text(), 'cinder_postgres_queries_total');
      }),
    );
    return values.reduce((a, b) => a + b, 0);
  }

  /** Fields of a traffic job that name the processes to measure. */
  processes(
    database: string | undefined,
  ): Pick<ClosedLoopJob, 'serverPid' | 'otherServerPids' | 'postgresDatabase'> {
    return {
      serverPid: this.a.pid,
      otherServerPids: this.servers.slice(1).map((s) => s.pid),
      ...(database === undefined ? {} : { postgresDatabase: database }),
    };
  }
}

/** The server arguments of a target. */
function serverArgs(
  shape: ClusterShape,
  db: BenchDatabase | undefined,
  schema: string,
  prefix: string,
): string[] {
  if (shape.storage === 'sqlite') return ['--metrics'];
  if (db === undefined) throw new Error('PostgreSQL target without a database');
  const args = ['--metrics', '--database-url', db.url, '--database-schema', schema, '--bus', shape.bus];
  if (shape.bus === 'redis') args.push('--redis-url', BENCH_REDIS_URL, '--redis-prefix', prefix);
  return args;
}

/**
 * The cluster scenario (issue 13): the encrypted burn cycle, closed loop, on one node on SQLite,
 * one on PostgreSQL (without and with the LISTEN/NOTIFY bus) and two on one PostgreSQL schema
 * (Redis or LISTEN/NOTIFY between them, Alice on node A and Bob on node B so every cycle crosses
 * nodes), one after the other in the same run; then an open-loop job at `openRate` on SQLite and
 * on one PostgreSQL node. PostgreSQL targets run in a database of the bench's own, one fresh
 * schema each, dropped after.
 */
export async function runCluster(
  settings: ClusterSettings,
  root: string,
  run: string,
  marker: string,
  log: (line: string) => void,
): Promise<ClusterResults> {
  const results: ClusterResults = {
    pairs: settings.pairs,
    window: settings.window,
    openRate: settings.openRate,
    targets: [],
    skipped: [],
  };
  const wanted = settings.targets ?? CLUSTER_TARGETS;
  let db: BenchDatabase | undefined;
  let noPostgres: string | undefined;
  if (wanted.some((id) => CLUSTER_SHAPES[id].storage === 'postgres')) {
    db = await BenchDatabase.create().catch((error: unknown) => {
      noPostgres = `PostgreSQL at ${BENCH_DATABASE_URL} cannot be reached (${(error as Error).message})`;
      return undefined;
    });
  }
  const redis = wanted.some((id) => CLUSTER_SHAPES[id].bus === 'redis')
    ? await redisReachable(BENCH_REDIS_URL)
    : true;
  const usernames = Array.from({ length: 2 * settings.pairs }, (_, i) => benchUsername(run, 'c', i));
  let sqliteRate = 0;
  try {
    for (const id of wanted) {
      const shape = CLUSTER_SHAPES[id];
      const why =
        shape.storage === 'postgres' && db === undefined
          ? noPostgres
          : shape.bus === 'redis' && !redis
            ? `Redis at ${BENCH_REDIS_URL} cannot be reached`
            : undefined;
      if (why !== undefined) {
        log(`  ${id}: SKIPPED, ${why}`);
        results.skipped.push({ id, why });
        continue;
      }
      const presealRate =
        id === 'cinder-sqlite'
          ? settings.presealRate
          : Math.max(MIN_PG_PRESEAL, Math.round(0.75 * sqliteRate));
      const result = await runTarget(id, { ...settings, presealRate }, db, root, run, marker, usernames, log);
      if (id === 'cinder-sqlite') sqliteRate = result.saturation.rate;
      results.targets.push(result);
    }
  } finally {
    await db?.drop();
  }
  return results;
}

/** One target: start, register, measure saturation (and the open loop), check, stop, clean up. */
async function runTarget(
  id: ClusterTargetId,
  settings: ClusterSettings,
  db: BenchDatabase | undefined,
  root: string,
  run: string,
  marker: string,
  usernames: string[],
  log: (line: string) => void,
): Promise<ClusterTargetResult> {
  const shape = CLUSTER_SHAPES[id];
  const postgres = shape.storage === 'postgres' ? db : undefined;
  const schema = `cinder_${run}_${id.replaceAll('-', '_')}`;
  const dataDir = join(root, id);
  const nodes = new Nodes(shape, dataDir, serverArgs(shape, postgres, schema, `cinder-bench:${run}:${id}:`));
  try {
    await nodes.start();
    const devices = await registerDevices('cinder', nodes.a.url, usernames);
    const pairs: Pair[] = [];
    for (let i = 0; i < settings.pairs; i++)
      pairs.push({ alice: devices[2 * i] as Pair['alice'], bob: devices[2 * i + 1] as Pair['bob'] });
    if (postgres !== undefined) {
      // Fresh processes: the registration's backends exit and flush their statistics now, so
      // the transactions counted next are the saturation job's alone.
      await nodes.stop();
      await postgres.waitIdle();
      await nodes.start();
    }
    const xact0 = postgres === undefined ? Number.NaN : await postgres.transactions();
    const q0 = await nodes.queries();
    const began = performance.now();
    const seconds = (settings.warmupMs + settings.durationMs) / 1000;
    const base = {
      ...nodes.processes(postgres?.name),
      pairs: settings.pairs,
      marker,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      drainMs: DRAIN_MS,
      validateEvery: settings.validateEvery,
      receipts: false,
      ackEveryMs: settings.ackEveryMs,
      crypto: { inlineCrypto: false, keysEverySend: false, presealRate: settings.presealRate },
    };
    const saturation = await withTraffic(nodes, pairs, (traffic) =>
      traffic.run(
        { ...base, kind: 'closed', window: settings.window, maxCycles: Math.ceil(seconds * 500_000) },
        seconds * 1000 + DRAIN_MS + 60_000,
      ),
    );
    const q1 = await nodes.queries();
    const spanMs = performance.now() - began;
    const cycles = saturation.correctness.completed;
    const result: ClusterTargetResult = { id, shape, saturation, leftovers: [] };
    if (postgres !== undefined) {
      await nodes.stop();
      await postgres.waitIdle();
      result.queries = { count: q1 - q0, cycles };
      result.transactions = { count: (await postgres.transactions()) - xact0, cycles };
      result.idle = await idleFloor(nodes, postgres, spanMs);
    }
    log(`  ${id.padEnd(17)} saturation: ${line(saturation, result)}`);
    if (OPEN_LOOP_TARGETS.includes(id)) {
      if (nodes.servers.length === 0) await nodes.start();
      const job: OpenLoopJob = {
        ...base,
        ...nodes.processes(postgres?.name),
        kind: 'open',
        rate: settings.openRate,
        maxInFlight: Math.max(1_000, settings.openRate),
        maxCycles: Math.ceil(seconds * settings.openRate),
      };
      result.openLoop = await withTraffic(nodes, pairs, (traffic) =>
        traffic.run(job, seconds * 1000 + DRAIN_MS + 60_000),
      );
      const l = result.openLoop.latency.openToBurned;
      log(
        `  ${id.padEnd(17)} open loop ${settings.openRate}/s: open → burned p50 ${l.p50.toFixed(2)} p99 ${l.p99.toFixed(2)} ms${result.openLoop.overloaded ? ' (overloaded)' : ''}`,
      );
    }
    if (postgres !== undefined) result.leftovers = await postgres.findMarker(schema, marker);
    else {
      await nodes.stop();
      const scan = await waitForCleanDisk(dataDir, marker, DISK_CLEAN_WITHIN_MS);
      result.leftovers = scan.hits.map((h) => h.file);
    }
    return result;
  } finally {
    await nodes.stop();
    if (postgres !== undefined) await postgres.dropSchema(schema);
  }
}

/**
 * What the nodes send PostgreSQL with no traffic over `spanMs` (the saturation job's span):
 * sweeper passes, node heartbeats, bus keep-alives. Started fresh and stopped after, as the
 * saturation job's count was; the nodes are left stopped.
 */
async function idleFloor(
  nodes: Nodes,
  postgres: BenchDatabase,
  spanMs: number,
): Promise<NonNullable<ClusterTargetResult['idle']>> {
  await nodes.start();
  const xact0 = await postgres.transactions();
  const q0 = await nodes.queries();
  await new Promise((resolve) => setTimeout(resolve, spanMs));
  const q1 = await nodes.queries();
  await nodes.stop();
  await postgres.waitIdle();
  return { seconds: spanMs / 1000, queries: q1 - q0, transactions: (await postgres.transactions()) - xact0 };
}

/** Run `fn` with a load generator whose pairs are connected to the nodes (Bob on node B). */
async function withTraffic<T>(
  nodes: Nodes,
  pairs: Pair[],
  fn: (traffic: TrafficLoadgen) => Promise<T>,
): Promise<T> {
  const traffic = await TrafficLoadgen.start(nodes.a.url, pairs, SETUP_MS, undefined, nodes.bobUrl);
  try {
    return await fn(traffic);
  } finally {
    await traffic.close();
  }
}

/** A progress line of a saturation result. */
function line(r: TrafficResult, t: ClusterTargetResult): string {
  const pg =
    r.postgresCpuMs === undefined
      ? ''
      : `, PG backends ${Math.round((r.postgresCpuMs * 1000) / r.cyclesInWindow)} µs/cycle`;
  const per = (c: ClusterTargetResult['queries']) =>
    c === undefined ? '–' : (c.count / c.cycles).toFixed(1);
  const counts =
    t.queries === undefined
      ? ''
      : `, ${per(t.queries)} queries and ${per(t.transactions)} transactions/cycle`;
  return `${Math.round(r.rate)} cycles/s, nodes ${Math.round(r.serverCpuUsPerCycle)} µs/cycle${pg}${counts}`;
}
