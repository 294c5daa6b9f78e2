import type {
  AttachmentJob,
  ClientCryptoOptions,
  DeviceCreds,
  IdleJob,
  Pair,
  SyncResult,
  TrafficResult,
} from './jobs.ts';
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
  /** RSS growth per device over the second half of the devices alone: the marginal cost. */
  rssMarginalPerDeviceBytes: number;
  /** V8 heap growth per device (a part of the RSS growth). */
  heapPerDeviceBytes: number;
  /** Growth of memory outside the V8 heap that V8 knows of (Buffers, native objects) per device. */
  externalPerDeviceBytes: number;
  connectMs: number;
  /** Extensions the server accepted when a client offered permessage-deflate ('' = none). */
  deflateOffered: string;
}

/** Sockets per load generator process in the idle scenario, well under the open-file limit. */
const DEVICES_PER_LOADGEN = 5_000;
/** Time for in-flight cycles to finish after the window closes. */
const DRAIN_MS = 5_000;
/**
 * The same for attachment cycles: each costs the server tens of times the text cycle's CPU, so a
 * window's worth in flight can take seconds to finish on a busy machine.
 */
const ATTACHMENT_DRAIN_MS = 20_000;
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

function idleJobs(url: string, devices: DeviceCreds[], firstAddress: number): IdleJob[] {
  const jobs: IdleJob[] = [];
  for (let i = 0; i < devices.length; i += DEVICES_PER_LOADGEN) {
    jobs.push({
      kind: 'idle',
      url,
      devices: devices.slice(i, i + DEVICES_PER_LOADGEN),
      // Distinct source addresses per load generator keep each under the ephemeral port range.
      localAddresses: [`127.0.0.${firstAddress + jobs.length}`],
      concurrency: 128,
    });
  }
  return jobs;
}

/** Memory of the server after a full GC and a moment to settle (timers, buffers). */
async function settledMemory(run: TargetRun): Promise<{ rss: number; heap: number; external: number }> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const memory = await run.server.gc();
  return { rss: run.server.rss(), heap: memory.heapUsed, external: memory.external };
}

/**
 * Connect `count` idle devices in two halves, measuring the server's memory before, between and
 * after; then release them. The growth over all devices divided by their number is the headline
 * (it includes one-off costs such as the young generation growing during the connection burst);
 * the growth over the second half alone is the marginal cost of one more device.
 */
export async function runIdle(run: TargetRun, count: number): Promise<IdleResult> {
  const devices = run.devices.slice(0, count);
  const half = Math.ceil(devices.length / 2);
  const first = idleJobs(run.server.url, devices.slice(0, half), 1);
  const second = idleJobs(run.server.url, devices.slice(half), 1 + first.length);
  const m0 = await settledMemory(run);
  const holdFirst = await holdIdle(first, SETUP_BUDGET_MS * 2);
  const m1 = await settledMemory(run);
  const holdSecond = await holdIdle(second, SETUP_BUDGET_MS * 2).catch(async (error: unknown) => {
    await holdFirst.release();
    throw error;
  });
  const m2 = await settledMemory(run);
  await Promise.all([holdFirst.release(), holdSecond.release()]);
  const all = [...holdFirst.connected, ...holdSecond.connected];
  const connected = all.reduce((sum, c) => sum + c.connected, 0);
  const secondCount = holdSecond.connected.reduce((sum, c) => sum + c.connected, 0);
  const per = (bytes: number, n: number): number => (n > 0 ? bytes / n : Number.NaN);
  return {
    devices: connected,
    failed: all.reduce((sum, c) => sum + c.failed, 0),
    loadgens: first.length + second.length,
    rssBeforeBytes: m0.rss,
    rssAfterBytes: m2.rss,
    rssPerDeviceBytes: per(m2.rss - m0.rss, connected),
    rssMarginalPerDeviceBytes: per(m2.rss - m1.rss, secondCount),
    heapPerDeviceBytes: per(m2.heap - m0.heap, connected),
    externalPerDeviceBytes: per(m2.external - m0.external, connected),
    connectMs: Math.max(...all.map((c) => c.connectMs)),
    deflateOffered: all[0]?.deflateOffered ?? '',
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

/** The load generator's crypto options of a run (they only act on Cinder's keyed devices). */
function clientCrypto(
  settings: Pick<Settings, 'inlineCrypto' | 'keysEverySend' | 'presealRate'>,
): ClientCryptoOptions {
  return {
    inlineCrypto: settings.inlineCrypto,
    keysEverySend: settings.keysEverySend,
    presealRate: settings.presealRate,
  };
}

/**
 * Saturation: `pairs` pairs, each keeping `settings.window` cycles in flight (closed loop); with
 * `attachment`, each cycle's message carries a file (Cinder only).
 */
export async function runSaturation(
  run: TargetRun,
  pairs: number,
  settings: Pick<
    Settings,
    | 'warmupMs'
    | 'durationMs'
    | 'validateEvery'
    | 'receipts'
    | 'ackEveryMs'
    | 'window'
    | 'inlineCrypto'
    | 'keysEverySend'
    | 'presealRate'
  >,
  attachment?: AttachmentJob,
): Promise<TrafficResult> {
  const seconds = (settings.warmupMs + settings.durationMs) / 1000;
  const traffic = await trafficOf(run);
  const drainMs = attachment === undefined ? DRAIN_MS : ATTACHMENT_DRAIN_MS;
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
      drainMs,
      validateEvery: settings.validateEvery,
      receipts: settings.receipts,
      ackEveryMs: settings.ackEveryMs,
      crypto: clientCrypto(settings),
      window: settings.window,
      // Attachment cycles: the window opens once the first convoy (one per slot) has completed.
      ...(attachment === undefined ? {} : { attachment, warmupCycles: pairs * settings.window }),
    },
    seconds * 1000 + drainMs + 30_000,
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
      receipts: settings.receipts,
      ackEveryMs: settings.ackEveryMs,
      crypto: clientCrypto(settings),
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
