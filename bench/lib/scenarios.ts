import type { DeviceCreds, IdleJob, Pair, SyncResult, TrafficResult } from './jobs.ts';
import { holdIdle, runSyncJob, TrafficLoadgen } from './loadgen-client.ts';
import type { Settings } from './options.ts';
import type { ServerTarget } from './server-target.ts';

/** A server under test with the devices registered on it. */
export interface TargetRun {
  server: ServerTarget;
  /** Devices of distinct users; pairs are (2i, 2i+1), idle devices are the first N. */
  devices: DeviceCreds[];
  /** Alice, Bob's online device and Bob's offline device for the sync scenario. */
  sync: { alice: DeviceCreds; bobOnline: DeviceCreds; bobOffline: DeviceCreds } | undefined;
  marker: string;
  /** Pairs the traffic load generator connects: the most any traffic scenario of the run uses. */
  trafficPairs: number;
  /** The traffic load generator, once started; close it with `closeTraffic`. */
  traffic?: TrafficLoadgen;
  /** Where the traffic load generator writes a CPU profile (profile runs). */
  loadgenProfileDir?: string;
}

/** Close the target's traffic load generator, if one was started. */
export async function closeTraffic(run: TargetRun): Promise<void> {
  await run.traffic?.close();
  delete run.traffic;
}

/** Result of the idle memory scenario on one target. */
export interface IdleResult {
  devices: number;
  failed: number;
  loadgens: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Server RSS growth per connected idle device, after a full GC before and after. */
  rssPerDeviceBytes: number;
  /** V8 heap growth per device (a part of the RSS growth). */
  heapPerDeviceBytes: number;
  connectMs: number;
  /** Extensions the server accepted when a client offered permessage-deflate ('' = none). */
  deflateOffered: string;
}

/** Sockets per load generator process in the idle scenario, well under the open-file limit. */
const DEVICES_PER_LOADGEN = 10_000;
/** Time for in-flight cycles to finish after the window closes. */
const DRAIN_MS = 5_000;
/** Budget for connecting a run's devices before the traffic starts. */
const SETUP_BUDGET_MS = 120_000;

function pairsOf(devices: DeviceCreds[], count: number): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const alice = devices[2 * i];
    const bob = devices[2 * i + 1];
    if (alice === undefined || bob === undefined)
      throw new Error(`only ${devices.length} devices for ${count} pairs`);
    pairs.push({ alice, bob });
  }
  return pairs;
}

/** Connect `count` idle devices, measure the server's RSS growth per device, release them. */
export async function runIdle(run: TargetRun, count: number): Promise<IdleResult> {
  const devices = run.devices.slice(0, count);
  const before = await run.server.gc();
  const rssBefore = run.server.rss();
  const jobs: IdleJob[] = [];
  for (let i = 0; i < devices.length; i += DEVICES_PER_LOADGEN) {
    jobs.push({
      kind: 'idle',
      url: run.server.url,
      devices: devices.slice(i, i + DEVICES_PER_LOADGEN),
      // Distinct source addresses per load generator keep each under the ephemeral port range.
      localAddresses: [`127.0.0.${1 + jobs.length}`],
      concurrency: 128,
    });
  }
  const hold = await holdIdle(jobs, SETUP_BUDGET_MS * 2);
  // Let the server settle (timers, buffers) before measuring.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = await run.server.gc();
  const rssAfter = run.server.rss();
  await hold.release();
  const connected = hold.connected.reduce((sum, c) => sum + c.connected, 0);
  return {
    devices: connected,
    failed: hold.connected.reduce((sum, c) => sum + c.failed, 0),
    loadgens: jobs.length,
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    rssPerDeviceBytes: connected > 0 ? (rssAfter - rssBefore) / connected : Number.NaN,
    heapPerDeviceBytes: connected > 0 ? (after.heapUsed - before.heapUsed) / connected : Number.NaN,
    connectMs: Math.max(...hold.connected.map((c) => c.connectMs)),
    deflateOffered: hold.connected[0]?.deflateOffered ?? '',
  };
}

/** The traffic load generator of a target, started (and its pairs connected) on first use. */
async function trafficOf(run: TargetRun): Promise<TrafficLoadgen> {
  run.traffic ??= await TrafficLoadgen.start(
    run.server.url,
    pairsOf(run.devices, run.trafficPairs),
    SETUP_BUDGET_MS,
    run.loadgenProfileDir,
  );
  return run.traffic;
}

/** Saturation: `pairs` pairs, each keeping `settings.window` cycles in flight (closed loop). */
export async function runSaturation(
  run: TargetRun,
  pairs: number,
  settings: Settings,
): Promise<TrafficResult> {
  const seconds = (settings.warmupMs + settings.durationMs) / 1000;
  const traffic = await trafficOf(run);
  return traffic.run(
    {
      kind: 'closed',
      serverPid: run.server.pid,
      pairs,
      marker: run.marker,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      // Far above any rate this machine reaches: the bound is a safety net, time is the limit.
      maxCycles: Math.ceil(seconds * 500_000),
      drainMs: DRAIN_MS,
      validateEvery: settings.validateEvery,
      window: settings.window,
    },
    seconds * 1000 + DRAIN_MS + 30_000,
  );
}

/** Latency at a fixed offered rate over the large set of pairs (open loop). */
export async function runLatency(run: TargetRun, rate: number, settings: Settings): Promise<TrafficResult> {
  const seconds = (settings.warmupMs + settings.durationMs) / 1000;
  const traffic = await trafficOf(run);
  return traffic.run(
    {
      kind: 'open',
      serverPid: run.server.pid,
      pairs: settings.largePairs,
      marker: run.marker,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      maxCycles: Math.ceil(seconds * rate),
      drainMs: DRAIN_MS,
      validateEvery: settings.validateEvery,
      rate,
      // One second of backlog means the server is not keeping up; latency is then meaningless.
      maxInFlight: Math.max(1_000, rate),
    },
    seconds * 1000 + DRAIN_MS + 30_000,
  );
}

/** Reconnect sync after `settings.syncEvents` events accumulated. */
export async function runSyncScenario(run: TargetRun, settings: Settings): Promise<SyncResult> {
  if (run.sync === undefined) throw new Error('sync devices were not registered');
  return runSyncJob(
    {
      kind: 'sync',
      url: run.server.url,
      serverPid: run.server.pid,
      ...run.sync,
      events: settings.syncEvents,
      repeats: settings.syncRepeats,
      marker: run.marker,
    },
    SETUP_BUDGET_MS + 60_000,
  );
}
