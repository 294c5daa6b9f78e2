import {
  type ClosedLoopJob,
  type ConnectPairsJob,
  type Correctness,
  emptyCorrectness,
  type OpenLoopJob,
  type TrafficResult,
} from '../lib/jobs.ts';
import { mapPool } from '../lib/pool.ts';
import { markCpu, readCpuMs } from '../lib/proc-stats.ts';
import { BurnCycles, type PairDevices } from './burn-cycles.ts';
import { FrameCheck, WireDevice } from './wire-device.ts';

/** Sockets opened at once while setting up pairs. */
const CONNECT_CONCURRENCY = 64;

/**
 * Connected pairs that carry one traffic job after another: closed loop (each pair keeps `window`
 * cycles in flight) or open loop (cycles start on a fixed schedule). Each job runs warm-up, the
 * measured window, then stops starting cycles and drains, so every loop ends by itself in bounded
 * time and count.
 */
export class TrafficSession {
  private constructor(
    private readonly pairs: PairDevices[],
    private readonly check: FrameCheck,
  ) {}

  /** Connect every pair of the job (hello, synced). */
  static async connect(job: ConnectPairsJob): Promise<TrafficSession> {
    const check = new FrameCheck(1, emptyCorrectness());
    const pairs = await mapPool(job.pairs, CONNECT_CONCURRENCY, async (pair): Promise<PairDevices> => {
      const [alice, bob] = await Promise.all([
        WireDevice.connect({ url: job.url, creds: pair.alice, cursor: null, check }),
        WireDevice.connect({ url: job.url, creds: pair.bob, cursor: null, check }),
      ]);
      return { alice: alice.device, bob: bob.device, inFlight: 0 };
    });
    return new TrafficSession(pairs, check);
  }

  /** Run one job over the first `job.pairs` pairs. */
  async run(job: ClosedLoopJob | OpenLoopJob): Promise<TrafficResult> {
    if (job.pairs > this.pairs.length)
      throw new Error(`${job.pairs} pairs asked, ${this.pairs.length} connected`);
    const pairs = this.pairs.slice(0, job.pairs);
    const tally: Correctness = emptyCorrectness();
    this.check.reset(job.validateEvery, tally);
    const cycles = new BurnCycles(job.marker, tally, { receipts: job.receipts, ackEveryMs: job.ackEveryMs });
    for (const pair of pairs) cycles.attach(pair);
    readCpuMs(job.serverPid); // Look up the clock tick once, outside the window.

    let stopped = false;
    const canStart = (): boolean => !stopped && tally.started < job.maxCycles;
    const first = { mark: markCpu(job.serverPid), load: process.cpuUsage(), mono: monotonicUs() };
    const origin = performance.now();
    /** When the open loop gave up offering load, ms after `origin`; undefined if it never did. */
    let overloadedAt: number | undefined;

    if (job.kind === 'closed') {
      cycles.onFinish = (pair) => {
        if (canStart()) cycles.start(pair, performance.now());
      };
      for (let w = 0; w < job.window; w++)
        for (const pair of pairs) if (canStart()) cycles.start(pair, origin);
    } else {
      // The schedule is fixed in advance; a cycle's latency counts from its slot, not from when
      // the load generator got round to sending it, which corrects for coordinated omission.
      const interval = 1000 / job.rate;
      let slot = 0;
      const tick = (): void => {
        const now = performance.now();
        while (canStart() && origin + slot * interval <= now) {
          if (cycles.inFlight >= job.maxInFlight) {
            overloadedAt = now;
            stopped = true;
            return;
          }
          cycles.start(pairs[slot % pairs.length] as PairDevices, origin + slot * interval);
          slot++;
        }
        if (canStart()) setTimeout(tick, 1);
      };
      tick();
    }

    await sleepUntil(origin + job.warmupMs);
    const start = { mark: markCpu(job.serverPid), load: process.cpuUsage(), mono: monotonicUs() };
    await sleepUntil(start.mark.wallMs + job.durationMs);
    const end = { mark: markCpu(job.serverPid), load: process.cpuUsage(), mono: monotonicUs() };
    stopped = true;
    await cycles.drain(job.drainMs);
    const drained = { mark: markCpu(job.serverPid), load: process.cpuUsage(), mono: monotonicUs() };

    // An overloaded run stopped offering load, maybe before the window even began. It is then
    // measured whole, from the first cycle to the last completion: latencies of the cycles it
    // offered, and the pace and CPU at which the server worked through them.
    const overloaded = overloadedAt !== undefined;
    const [from, to] = overloaded ? [first, drained] : [start, end];
    const done = overloaded ? tally.completed : cycles.log.completedBetween(from.mark.wallMs, to.mark.wallMs);
    const latency = overloaded
      ? cycles.log.latencies(origin, overloadedAt ?? origin)
      : cycles.log.latencies(from.mark.wallMs, to.mark.wallMs);
    const windowMs = to.mark.wallMs - from.mark.wallMs;
    const serverCpuMs = to.mark.cpuMs - from.mark.cpuMs;
    const loadCpuMs = (to.load.user + to.load.system - from.load.user - from.load.system) / 1000;
    return {
      kind: job.kind,
      pairs: pairs.length,
      ...(job.kind === 'closed' ? { window: job.window } : { offeredRate: job.rate }),
      overloaded,
      ...(overloadedAt === undefined ? {} : { overloadedAfterMs: overloadedAt - origin }),
      cyclesInWindow: done,
      windowMs,
      rate: (done * 1000) / windowMs,
      serverCpuMs,
      serverCpuUsPerCycle: done > 0 ? (serverCpuMs * 1000) / done : Number.NaN,
      serverCpuPercent: (serverCpuMs / windowMs) * 100,
      serverWriteSyscallsPerCycle: (to.mark.io.writeSyscalls - from.mark.io.writeSyscalls) / done,
      serverDiskBytesPerCycle: (to.mark.io.diskWriteBytes - from.mark.io.diskWriteBytes) / done,
      loadgenCpuPercent: (loadCpuMs / windowMs) * 100,
      latency,
      correctness: tally,
      extensions: pairs[0]?.alice.extensions ?? '',
      windowMonotonicUs: [from.mono, to.mono],
    };
  }

  /** Close every socket. */
  async close(): Promise<void> {
    await mapPool(this.pairs, 256, (pair) => Promise.all([pair.alice.close(), pair.bob.close()]));
  }
}

/** The monotonic clock in µs: the clock of V8 CPU profile timestamps, the same in every process. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}
