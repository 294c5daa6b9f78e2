import { randomBytes } from 'node:crypto';
import type { KeysResult } from '@cinder/protocol';
import {
  type ClientCryptoResult,
  type ClosedLoopJob,
  type ConnectPairsJob,
  type Correctness,
  emptyCorrectness,
  type OpenLoopJob,
  type TrafficResult,
} from '../lib/jobs.ts';
import { mapPool } from '../lib/pool.ts';
import { cpuDeltaMs, markCpu, postgresBackendsCpuMs, readCpuMs } from '../lib/proc-stats.ts';
import { BlobHttp } from './attachment.ts';
import { BurnCycles, type PairDevices } from './burn-cycles.ts';
import { type Batch, importIdentity, MessageTexts, type Outgoing, sealAll, type ToSeal } from './e2e.ts';
import { type Answer, FrameCheck, WireDevice } from './wire-device.ts';

/** Sockets opened at once while setting up pairs. */
const CONNECT_CONCURRENCY = 64;
/** Seal ahead for this much more than the fastest pace seen, so the stock outlasts the window. */
const STOCK_MARGIN = 1.25;
/**
 * Most bytes of sealed blobs the attachment stock may hold (about 6,000 files of 256 KiB): the
 * load generator keeps each in memory from its sealing to its upload. Cycles beyond it seal during
 * the run, and the notes say how many.
 */
const MAX_FILE_STOCK_BYTES = 1.5 * 1024 ** 3;
/** Most a job's `warmupCycles` may stretch its warm-up beyond `warmupMs`. */
const MAX_WARMUP_EXTRA_MS = 30_000;

type TrafficJob = ClosedLoopJob | OpenLoopJob;

/**
 * Connected pairs that carry one traffic job after another: closed loop (each pair keeps `window`
 * cycles in flight) or open loop (cycles start on a fixed schedule). Each job runs warm-up, the
 * measured window, then stops starting cycles and drains, so every loop ends by itself in bounded
 * time and count.
 */
export class TrafficSession {
  /** Numbers every message of this load generator, sealed ahead or made when sent. */
  private readonly texts = new MessageTexts(randomBytes(4).toString('hex'));
  /** Fastest pace a job of this session completed cycles at, per second, by cycle kind (0: none yet). */
  private readonly fastestRate = { text: 0, file: 0 };
  /** Every batch sealed ahead so far, by cycle kind: the figure when a job needed no new seals. */
  private readonly sealedAhead = { text: { count: 0, cpuUs: 0 }, file: { count: 0, cpuUs: 0 } };
  /** The HTTP client of attachment cycles, made on first use. */
  private http: BlobHttp | undefined;
  /** The body every file of this session is made of (`fileBytes`), by size: random, made once. */
  private readonly fileBodies = new Map<number, Uint8Array>();

  private constructor(
    private readonly url: string,
    private readonly pairs: PairDevices[],
    private readonly check: FrameCheck,
  ) {}

  /** Connect every pair of the job (hello, synced); Cinder's Bobs get their private keys imported. */
  static async connect(job: ConnectPairsJob): Promise<TrafficSession> {
    const check = new FrameCheck(1, emptyCorrectness());
    const pairs = await mapPool(job.pairs, CONNECT_CONCURRENCY, async (pair): Promise<PairDevices> => {
      const [alice, bob, bobIdentity] = await Promise.all([
        WireDevice.connect({ url: job.url, creds: pair.alice, cursor: null, check }),
        WireDevice.connect({ url: job.bobUrl ?? job.url, creds: pair.bob, cursor: null, check }),
        importIdentity(pair.bob),
      ]);
      const devices: PairDevices = {
        alice: alice.device,
        bob: bob.device,
        inFlight: 0,
        tokens: { alice: pair.alice.token, bob: pair.bob.token },
      };
      if (bobIdentity !== undefined)
        devices.e2e = { bob: bobIdentity, directory: undefined, stock: [], fileStock: [], stockMarker: '' };
      return devices;
    });
    return new TrafficSession(job.url, pairs, check);
  }

  /**
   * Read the key directory of every Bob whose Alice has not read it yet (once per recipient for
   * the session), before any cycle starts.
   */
  private async readDirectories(pairs: PairDevices[], tally: Correctness): Promise<number> {
    const unread = pairs.filter((pair) => pair.e2e !== undefined && pair.e2e.directory === undefined);
    await mapPool(unread, CONNECT_CONCURRENCY, async (pair) => {
      const answer = await new Promise<Answer>((resolve) =>
        pair.alice.request({ type: 'keys', username: pair.bob.username }, resolve),
      );
      if (answer.type === 'error') {
        tally.errors[answer.code] = (tally.errors[answer.code] ?? 0) + 1;
        throw new Error(`keys of ${pair.bob.username}: ${answer.code}`);
      }
      if (pair.e2e) pair.e2e.directory = (answer.result as KeysResult).devices;
    });
    return unread.length;
  }

  /**
   * Seal, before the job starts, as many messages per pair as it should send: its offered
   * schedule (open loop) or its pace (the fastest seen in this session, or the job's
   * `presealRate` at first) over warm-up and window, plus the cycles in flight, with a margin,
   * and never more than the job's `maxCycles` lets that pair start.
   * What is left over stays in stock for the next job. Returns the batch sealed now.
   */
  private async sealAhead(
    pairs: PairDevices[],
    job: TrafficJob,
    fileBody: Uint8Array | undefined,
    onProgress: () => void,
  ): Promise<Batch> {
    const kind = fileBody === undefined ? 'text' : 'file';
    const seconds = (job.warmupMs + job.durationMs) / 1000;
    const seen = this.fastestRate[kind];
    const first = job.attachment === undefined ? job.crypto.presealRate : job.attachment.presealRate;
    const pace = (seen > 0 ? seen : first) * STOCK_MARGIN;
    const rate = job.kind === 'open' ? Math.min(job.rate, pace) : pace;
    const inFlight = job.kind === 'closed' ? job.window : Math.ceil(job.maxInFlight / pairs.length);
    // An open loop hands its slots to the pairs in turn; a closed loop's pairs run at their own
    // pace, so one of them may start every cycle the job allows.
    const mostOnePair = job.kind === 'open' ? Math.ceil(job.maxCycles / pairs.length) : job.maxCycles;
    let perPair = Math.min(mostOnePair, Math.ceil((rate * seconds) / pairs.length) + inFlight);
    if (fileBody !== undefined) {
      perPair = Math.min(perPair, Math.floor(MAX_FILE_STOCK_BYTES / fileBody.length / pairs.length));
    }
    const list: Array<ToSeal & { pair: PairDevices }> = [];
    for (const pair of pairs) {
      const e2e = pair.e2e;
      if (e2e?.directory === undefined) continue;
      if (e2e.stockMarker !== job.marker) {
        e2e.stock = [];
        e2e.fileStock = [];
        e2e.stockMarker = job.marker;
      }
      const stock = fileBody === undefined ? e2e.stock : e2e.fileStock;
      for (let i = stock.length; i < perPair; i++) {
        list.push({
          pair,
          message: this.texts.take(job.marker),
          from: pair.alice.username,
          to: pair.bob.username,
          directory: e2e.directory,
          ...(fileBody === undefined ? {} : { fileBody }),
        });
      }
    }
    const { sealed, batch } = await sealAll(list, onProgress);
    for (const [i, item] of list.entries()) {
      const e2e = item.pair.e2e;
      (fileBody === undefined ? e2e?.stock : e2e?.fileStock)?.push(sealed[i] as Outgoing);
    }
    this.sealedAhead[kind].count += batch.count;
    this.sealedAhead[kind].cpuUs += batch.cpuUs;
    return batch;
  }

  /** The body of every file of `bytes` bytes this session sends (random, made once). */
  private fileBody(bytes: number): Uint8Array {
    let body = this.fileBodies.get(bytes);
    if (body === undefined) {
      body = new Uint8Array(randomBytes(bytes));
      this.fileBodies.set(bytes, body);
    }
    return body;
  }

  /**
   * Run one job over the first `job.pairs` pairs. `onProgress` hears that the crypto set-up or
   * check, which can take minutes on a busy machine, is still moving.
   */
  async run(job: TrafficJob, onProgress: () => void = () => {}): Promise<TrafficResult> {
    if (job.pairs > this.pairs.length)
      throw new Error(`${job.pairs} pairs asked, ${this.pairs.length} connected`);
    const pairs = this.pairs.slice(0, job.pairs);
    const tally: Correctness = emptyCorrectness();
    this.check.reset(job.validateEvery, tally);
    const fileBody = job.attachment === undefined ? undefined : this.fileBody(job.attachment.bytes);
    if (fileBody !== undefined) this.http ??= new BlobHttp(this.url);
    const http = fileBody === undefined ? undefined : this.http;
    const cycles = new BurnCycles(job.marker, this.texts, tally, {
      receipts: job.receipts,
      ackEveryMs: job.ackEveryMs,
      crypto: job.crypto,
      ...(fileBody === undefined || http === undefined ? {} : { attachment: { http, fileBody } }),
    });
    for (const pair of pairs) cycles.attach(pair);
    // Crypto set-up happens before anything is measured: directories, then the stock.
    const e2e = pairs.some((pair) => pair.e2e !== undefined);
    if (fileBody !== undefined && !e2e)
      throw new Error('attachment cycles need Cinder (end-to-end encryption)');
    const initialReads = e2e ? await this.readDirectories(pairs, tally) : 0;
    const ahead =
      e2e && !job.crypto.inlineCrypto
        ? await this.sealAhead(pairs, job, fileBody, onProgress)
        : { count: 0, cpuUs: 0 };
    readCpuMs(job.serverPid); // Look up the clock tick once, outside the window.
    const moved = (): number => (http === undefined ? 0 : http.uploadedBytes + http.downloadedBytes);
    const sent = { up: http?.uploadedBytes ?? 0, down: http?.downloadedBytes ?? 0 };

    let stopped = false;
    const canStart = (): boolean => !stopped && tally.started < job.maxCycles;
    const others = job.otherServerPids ?? [];
    const database = job.postgresDatabase;
    const mark = () => ({
      mark: markCpu(job.serverPid),
      others: others.reduce((sum, pid) => sum + markCpu(pid).cpuMs, 0),
      postgres: database === undefined ? undefined : postgresBackendsCpuMs(database),
      load: process.cpuUsage(),
      mono: monotonicUs(),
      moved: moved(),
    });
    const first = mark();
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
    const warmupCycles = job.warmupCycles;
    if (warmupCycles !== undefined) {
      await waitUntil(() => tally.completed >= warmupCycles, origin + job.warmupMs + MAX_WARMUP_EXTRA_MS);
    }
    const start = mark();
    await sleepUntil(start.mark.wallMs + job.durationMs);
    const end = mark();
    stopped = true;
    await cycles.drain(job.drainMs);
    const drained = mark();
    // Crypto ahead of the run: the released envelopes are decrypted and checked now.
    const opened = await cycles.decryptReleased(onProgress);

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
    const serverCpuMs = to.mark.cpuMs - from.mark.cpuMs + (to.others - from.others);
    // No backend seen: PostgreSQL runs on another machine, where /proc cannot see it.
    const postgresCpuMs =
      from.postgres === undefined || to.postgres === undefined || to.postgres.size === 0
        ? undefined
        : cpuDeltaMs(from.postgres, to.postgres);
    const loadCpuMs = (to.load.user + to.load.system - from.load.user - from.load.system) / 1000;
    const rate = (done * 1000) / windowMs;
    const kind = fileBody === undefined ? 'text' : 'file';
    if (Number.isFinite(rate)) this.fastestRate[kind] = Math.max(this.fastestRate[kind], rate);
    const perMessage = (batch: Batch): number => (batch.count > 0 ? batch.cpuUs / batch.count : Number.NaN);
    const client: ClientCryptoResult | undefined = e2e
      ? {
          mode: job.crypto.inlineCrypto ? 'inline' : 'ahead',
          directory: job.crypto.keysEverySend ? 'every-send' : 'cached',
          recipientDevices: pairs[0]?.e2e?.directory?.length ?? 0,
          sealed: ahead.count + cycles.sealedDuringRun,
          sealCpuUsPerMessage: job.crypto.inlineCrypto
            ? Number.NaN
            : perMessage(ahead.count > 0 ? ahead : this.sealedAhead[kind]),
          opened: opened.count + cycles.decryptedDuringRun,
          openCpuUsPerMessage: perMessage(opened),
          sealedDuringRun: cycles.sealedDuringRun,
          directoryReads: initialReads + cycles.directoryReads,
        }
      : undefined;
    return {
      kind: job.kind,
      pairs: pairs.length,
      ...(job.kind === 'closed' ? { window: job.window } : { offeredRate: job.rate }),
      overloaded,
      ...(overloadedAt === undefined ? {} : { overloadedAfterMs: overloadedAt - origin }),
      cyclesInWindow: done,
      warmupMs: start.mark.wallMs - origin,
      windowMs,
      rate,
      serverCpuMs,
      ...(postgresCpuMs === undefined ? {} : { postgresCpuMs }),
      serverCpuUsPerCycle: done > 0 ? (serverCpuMs * 1000) / done : Number.NaN,
      serverCpuPercent: (serverCpuMs / windowMs) * 100,
      serverWriteSyscallsPerCycle: (to.mark.io.writeSyscalls - from.mark.io.writeSyscalls) / done,
      serverDiskBytesPerCycle: (to.mark.io.diskWriteBytes - from.mark.io.diskWriteBytes) / done,
      loadgenCpuPercent: (loadCpuMs / windowMs) * 100,
      loadgenCpuUsPerCycle: done > 0 ? (loadCpuMs * 1000) / done : Number.NaN,
      ...(client === undefined ? {} : { client }),
      ...(job.attachment === undefined
        ? {}
        : {
            attachment: {
              bytes: job.attachment.bytes,
              movedBytesPerSecond: ((to.moved - from.moved) * 1000) / windowMs,
              movedBytesPerCycle: done > 0 ? (to.moved - from.moved) / done : Number.NaN,
              uploadedBytes: (http?.uploadedBytes ?? 0) - sent.up,
              downloadedBytes: (http?.downloadedBytes ?? 0) - sent.down,
              burnedUploads: cycles.burnedUploads,
            },
          }),
      latency,
      correctness: tally,
      extensions: pairs[0]?.alice.extensions ?? '',
      windowMonotonicUs: [from.mono, to.mono],
    };
  }

  /** Close every socket. */
  async close(): Promise<void> {
    this.http?.close();
    await mapPool(this.pairs, 256, (pair) => Promise.all([pair.alice.close(), pair.bob.close()]));
  }
}

/** The monotonic clock in µs: the clock of V8 CPU profile timestamps, the same in every process. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Resolve once `done()` holds (checked every 50 ms), or at `deadline` (performance.now() ms). */
async function waitUntil(done: () => boolean, deadline: number): Promise<void> {
  while (!done() && performance.now() < deadline) await sleepUntil(performance.now() + 50);
}

async function sleepUntil(at: number): Promise<void> {
  // A timer may fire a fraction of a millisecond before `performance.now()` reaches its time.
  while (performance.now() < at) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.ceil(at - performance.now()))));
  }
}
