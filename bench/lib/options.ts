import { parseArgs } from 'node:util';
import { CLUSTER_TARGETS, type ClusterTargetId } from './report-cluster.ts';

/** Scenario ids, in the order they run. */
export const SCENARIOS = [
  'startup',
  'idle',
  'sat100',
  'sat100-file',
  'sat1000',
  'latency',
  'sync',
  'cluster',
] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

/**
 * Scenarios that run only when named with `--only`: `cluster` needs PostgreSQL and Redis and
 * takes minutes of its own (five targets, each registering its devices and restarting its nodes).
 */
const OPT_IN: readonly ScenarioId[] = ['cluster'];

/** Everything a run is parameterised by; recorded in the results. */
export interface Settings {
  mode: 'quick' | 'full';
  scenarios: ScenarioId[];
  /** Servers to measure: Cinder, the batched bare baseline, and optionally the naive one. */
  targets: Array<'cinder' | 'baseline' | 'naive'>;
  /** Pairs of the small and large saturation runs; the large set also carries the latency runs. */
  smallPairs: number;
  largePairs: number;
  /** Cycles each pair keeps in flight in the saturation runs. */
  window: number;
  /** Saturation runs alternate targets this many times, each a slice of the window (rounds.ts). */
  rounds: number;
  warmupMs: number;
  durationMs: number;
  /** Offered rates of the latency runs, cycles/s. */
  rates: number[];
  /** Idle authenticated devices connected in the memory scenario. */
  idleDevices: number;
  /** Events that accumulate while a device is offline. */
  syncEvents: number;
  syncRepeats: number;
  /** Starts of the server and of `cinder --help` per build in the start-up scenario. */
  startupRuns: number;
  /** Validate one inbound frame in this many during traffic (1 = all). */
  validateEvery: number;
  /** Bob sends `delivered` before each open, as the SDK does. */
  receipts: boolean;
  /** Devices acknowledge their cursor at most this often, ms (the SDK: 200); 0 never. */
  ackEveryMs: number;
  /** Cinder's burn messages: seal and decrypt inside each cycle instead of around the run (jobs.ts). */
  inlineCrypto: boolean;
  /** Cinder's senders read the recipient's key directory before every send instead of once. */
  keysEverySend: boolean;
  /**
   * Each saturation round also runs Cinder with the key directory read the other way (before
   * every send, or once), so both costs are measured in the same run.
   */
  directoryVariant: boolean;
  /** Cycles/s to seal ahead for before the load generator has seen Cinder's pace. */
  presealRate: number;
  /** Size of the file each message carries in the attachment cycle (`sat100-file`), bytes. */
  attachmentBytes: number;
  /** Attachment cycles/s to seal files ahead for before the load generator has seen their pace. */
  filePresealRate: number;
  /** Cycles each pair keeps in flight in `sat100-file`, text and attachment rounds alike. */
  fileWindow: number;
  /** Write a CPU profile of the Cinder server during a saturated run and summarise it. */
  profile: boolean;
  /** With `profile`: profile an open-loop run at this offered rate over the large pairs instead. */
  profileRate: number | undefined;
  /** Pairs of the cluster scenario's jobs. */
  clusterPairs: number;
  /** Offered cycles/s of the cluster scenario's open-loop job. */
  clusterRate: number;
  /** Targets of the cluster scenario. */
  clusterTargets: ClusterTargetId[];
  /** Keep the data directories after the run. */
  keep: boolean;
  outDir: string;
}

const FULL = {
  smallPairs: 100,
  largePairs: 1000,
  window: 4,
  rounds: 3,
  warmupMs: 2_000,
  durationMs: 10_000,
  rates: [2_000, 5_000, 10_000],
  idleDevices: 10_000,
  syncEvents: 10_000,
  syncRepeats: 5,
  startupRuns: 5,
} as const;

/**
 * The `--quick` run: every scenario, shorter windows, 500 pairs for the large set and 1,000 idle
 * devices, to stay under a minute on a busy machine: creating a device hashes a password (argon2),
 * and 2,000 of them alone take 15–25 s here. The goals are judged on full runs.
 */
const QUICK = {
  ...FULL,
  largePairs: 500,
  rounds: 1,
  warmupMs: 300,
  durationMs: 1_500,
  idleDevices: 1_000,
  syncRepeats: 3,
  startupRuns: 3,
} as const;

const USAGE = `npm run bench -- [options]
  --quick                 every scenario, short windows, 500 pairs for the large set (under a minute)
  --only <ids>            comma-separated subset of: ${SCENARIOS.join(', ')}
                          (default: all but ${OPT_IN.join(', ')})
  --targets <list>        any of cinder,baseline,naive (default cinder,baseline; naive is the
                          baseline with one transaction and one write per request)
  --idle-devices <n>      idle devices to connect (default ${FULL.idleDevices}; quick ${QUICK.idleDevices})
  --window <n>            cycles in flight per pair in saturation runs (default ${FULL.window})
  --rounds <n>            saturation rounds per target, interleaved across targets (default ${FULL.rounds}; quick ${QUICK.rounds})
  --duration <ms>         measured window per run (default ${FULL.durationMs}; quick ${QUICK.durationMs})
  --rates <list>          offered rates for latency runs (default ${FULL.rates.join(',')})
  --startup-runs <n>      timed starts per build in the startup scenario (default ${FULL.startupRuns}; quick ${QUICK.startupRuns})
  --validate-every <n>    validate 1 in n inbound frames with zod during traffic (default 8)
  --receipts              Bob sends a delivered receipt before opening, as the SDK does
  --ack-ms <n>            devices ack their cursor at most every n ms, as the SDK does (default 200; 0 never)
  --inline-crypto         seal each Cinder burn message right before its send and decrypt each open's
                          reply on arrival, as an SDK client does (default: seal before the run,
                          decrypt after it, so the load generator's crypto leaves the server's core alone)
  --keys-every-send       read the recipient's key directory before every send, as the SDK does
                          (default: once per recipient for the run)
  --no-directory-variant  skip the extra Cinder saturation round per round that reads the key
                          directory the other way (before every send, or once)
  --preseal-rate <n>      cycles/s to seal ahead for before Cinder's pace is known (default 4000)
  --attachment-kb <n>     size of the file of each sat100-file cycle, KiB (default 256)
  --file-preseal-rate <n> attachment cycles/s to seal files ahead for before their pace is known
                          (default 100; the stock is capped at 1.5 GiB of sealed files)
  --file-window <n>       cycles in flight per pair in sat100-file, both its text and its
                          attachment rounds (default 1: an attachment cycle costs the server
                          tens of times a text cycle's CPU)
  --profile               CPU-profile the Cinder server in a saturated run (writes bench/results/profile/)
  --profile-rate <n>      with --profile: profile an open-loop run at n cycles/s over the large pairs
  --cluster-pairs <n>     pairs of the cluster scenario (default 50)
  --cluster-rate <n>      offered cycles/s of the cluster scenario's open loop (default 500)
  --cluster-targets <ids> any of ${CLUSTER_TARGETS.join(',')} (default all)
  --keep                  keep the data directories
  --out <dir>             results directory (default bench/results)`;

/** A bad command line, or `--help`: shown as is, without a stack. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** 0 for `--help`, 2 for a bad flag. */
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer\n${USAGE}`, 2);
  return n;
}

/** Parse the command line into settings; throws with the usage on a bad flag. */
export function parseSettings(argv: string[], defaultOut: string): Settings {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (values.help) throw new UsageError(USAGE, 0);
  const base = values.quick ? QUICK : FULL;
  const only = values.only?.split(',').map((s) => s.trim()) ?? SCENARIOS.filter((id) => !OPT_IN.includes(id));
  for (const id of only) {
    if (!(SCENARIOS as readonly string[]).includes(id))
      throw new UsageError(`unknown scenario ${id}\n${USAGE}`, 2);
  }
  const targets = (values.targets?.split(',').map((s) => s.trim()) ?? [
    'cinder',
    'baseline',
  ]) as Settings['targets'];
  for (const t of targets) {
    if (t !== 'cinder' && t !== 'baseline' && t !== 'naive')
      throw new UsageError(`unknown target ${t}\n${USAGE}`, 2);
  }
  const clusterTargets = (values['cluster-targets']?.split(',').map((s) => s.trim()) ?? [
    ...CLUSTER_TARGETS,
  ]) as ClusterTargetId[];
  for (const t of clusterTargets) {
    if (!(CLUSTER_TARGETS as readonly string[]).includes(t))
      throw new UsageError(`unknown cluster target ${t}\n${USAGE}`, 2);
  }
  return {
    mode: values.quick ? 'quick' : 'full',
    scenarios: SCENARIOS.filter((id) => only.includes(id)),
    targets,
    smallPairs: base.smallPairs,
    largePairs: base.largePairs,
    window: positive('window', values.window, base.window),
    rounds: positive('rounds', values.rounds, base.rounds),
    warmupMs: base.warmupMs,
    durationMs: positive('duration', values.duration, base.durationMs),
    rates: values.rates?.split(',').map((r) => positive('rates', r, 1)) ?? [...base.rates],
    idleDevices: positive('idle-devices', values['idle-devices'], base.idleDevices),
    syncEvents: base.syncEvents,
    syncRepeats: base.syncRepeats,
    startupRuns: positive('startup-runs', values['startup-runs'], base.startupRuns),
    validateEvery: positive('validate-every', values['validate-every'], 8),
    receipts: values.receipts ?? false,
    ackEveryMs: values['ack-ms'] === '0' ? 0 : positive('ack-ms', values['ack-ms'], 200),
    inlineCrypto: values['inline-crypto'] ?? false,
    keysEverySend: values['keys-every-send'] ?? false,
    directoryVariant: !(values['no-directory-variant'] ?? false),
    presealRate: positive('preseal-rate', values['preseal-rate'], 4_000),
    attachmentBytes: positive('attachment-kb', values['attachment-kb'], 256) * 1024,
    filePresealRate: positive('file-preseal-rate', values['file-preseal-rate'], 100),
    fileWindow: positive('file-window', values['file-window'], 1),
    profile: values.profile ?? false,
    profileRate:
      values['profile-rate'] === undefined ? undefined : positive('profile-rate', values['profile-rate'], 1),
    clusterPairs: positive('cluster-pairs', values['cluster-pairs'], 50),
    clusterRate: positive('cluster-rate', values['cluster-rate'], 500),
    clusterTargets,
    keep: values.keep ?? false,
    outDir: values.out ?? defaultOut,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      targets: { type: 'string' },
      'idle-devices': { type: 'string' },
      window: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      rates: { type: 'string' },
      'startup-runs': { type: 'string' },
      'validate-every': { type: 'string' },
      receipts: { type: 'boolean' },
      'ack-ms': { type: 'string' },
      'inline-crypto': { type: 'boolean' },
      'keys-every-send': { type: 'boolean' },
      'no-directory-variant': { type: 'boolean' },
      'preseal-rate': { type: 'string' },
      'attachment-kb': { type: 'string' },
      'file-preseal-rate': { type: 'string' },
      'file-window': { type: 'string' },
      profile: { type: 'boolean' },
      'profile-rate': { type: 'string' },
      'cluster-pairs': { type: 'string' },
      'cluster-rate': { type: 'string' },
      'cluster-targets': { type: 'string' },
      keep: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
