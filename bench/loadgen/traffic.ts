import { type ClosedLoopJob, emptyCorrectness, type OpenLoopJob, type TrafficResult } from '../lib/jobs.ts';
import { mapPool } from '../lib/pool.ts';
import { markCpu } from '../lib/proc-stats.ts';
import { BurnCycles, type PairDevices } from './burn-cycles.ts';
import { FrameCheck, WireDevice } from './wire-device.ts';

/** Sockets opened at once while setting up pairs. */
const CONNECT_CONCURRENCY = 64;

/**
 * Run burn cycles over `job.pairs`: closed loop (each pair keeps `window` cycles in flight) or open
 * loop (cycles start on a fixed schedule). Both run warm-up, then the measured window, then stop
 * starting cycles and drain, so every loop ends by itself in bounded time and count.
 */
export async function runTraffic(job: ClosedLoopJob | OpenLoopJob): Promise<TrafficResult> {
  const tally = emptyCorrectness();
  const check = new FrameCheck(job.validateEvery, tally);
  const pairs = await mapPool(job.pairs, CONNECT_CONCURRENCY, async (pair): Promise<PairDevices> => {
    const [alice, bob] = await Promise.all([
      WireDevice.connect({ url: job.url, creds: pair.alice, cursor: null, check }),
      WireDevice.connect({ url: job.url, creds: pair.bob, cursor: null, check }),
    ]);
    return { alice: alice.device, bob: bob.device, inFlight: 0 };
  });
  const cycles = new BurnCycles(job.marker, tally);
  for (const pair of pairs) cycles.attach(pair);

  let stopped = false;
  const canStart = (): boolean => !stopped && tally.started < job.maxCycles;
  const origin = performance.now();
  let overloaded = false;

  if (job.kind === 'closed') {
    cycles.onFinish = (pair) => {
      if (canStart()) cycles.start(pair, performance.now());
    };
    for (let w = 0; w < job.window; w++) for (const pair of pairs) if (canStart()) cycles.start(pair, origin);
  } else {
    // The schedule is fixed in advance; a cycle's latency counts from its slot, not from when the
    // load generator got round to sending it, which corrects for coordinated omission.
    const interval = 1000 / job.rate;
    let slot = 0;
    const tick = (): void => {
      const now = performance.now();
      while (canStart() && origin + slot * interval <= now) {
        if (cycles.inFlight >= job.maxInFlight) {
          overloaded = true;
          stopped = true;
          return;
        }
        const pair = pairs[slot % pairs.length] as PairDevices;
        cycles.start(pair, origin + slot * interval);
        slot++;
      }
      if (canStart()) setTimeout(tick, 1);
    };
    tick();
  }

  await sleepUntil(origin + job.warmupMs);
  const start = markCpu(job.serverPid);
  const loadStart = process.cpuUsage();
  cycles.windowStart = start.wallMs;
  await sleepUntil(start.wallMs + job.durationMs);
  const end = markCpu(job.serverPid);
  const loadUsed = process.cpuUsage(loadStart);
  cycles.windowEnd = end.wallMs;
  stopped = true;
  await cycles.drain(job.drainMs);
  const extensions = pairs[0]?.alice.extensions ?? '';
  await Promise.all(pairs.flatMap((pair) => [pair.alice.close(), pair.bob.close()]));

  const windowMs = end.wallMs - start.wallMs;
  const serverCpuMs = end.cpuMs - start.cpuMs;
  const done = cycles.completedInWindow;
  return {
    kind: job.kind,
    pairs: pairs.length,
    ...(job.kind === 'closed' ? { window: job.window } : { offeredRate: job.rate }),
    overloaded,
    cyclesInWindow: done,
    windowMs,
    rate: (done * 1000) / windowMs,
    serverCpuMs,
    serverCpuUsPerCycle: done > 0 ? (serverCpuMs * 1000) / done : Number.NaN,
    serverCpuPercent: (serverCpuMs / windowMs) * 100,
    loadgenCpuPercent: ((loadUsed.user + loadUsed.system) / 1000 / windowMs) * 100,
    latency: {
      sendToStored: cycles.sendToStored.summary(),
      sendToDelivered: cycles.sendToDelivered.summary(),
      openToBurned: cycles.openToBurned.summary(),
      cycle: cycles.cycle.summary(),
    },
    correctness: tally,
    extensions,
  };
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}
