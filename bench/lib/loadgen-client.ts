import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type {
  ClosedLoopJob,
  IdleConnected,
  IdleJob,
  LoadgenCommand,
  LoadgenMessage,
  OpenLoopJob,
  Pair,
  SyncJob,
  SyncResult,
  TrafficResult,
} from './jobs.ts';
import { BENCH_DIR, REPO_DIR } from './paths.ts';

const SCRIPT = join(BENCH_DIR, 'loadgen', 'main.ts');

/** A load generator process and the messages it has sent. */
class Loadgen {
  private readonly inbox: LoadgenMessage[] = [];
  private waiter: (() => void) | undefined;
  private readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: LoadgenMessage) => {
      this.inbox.push(message);
      this.waiter?.();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => this.waiter?.());
  }

  /** Fork a load generator; with `cpuProfileDir` it writes a CPU profile there when it exits. */
  static start(cpuProfileDir?: string): Loadgen {
    const execArgv = ['--conditions=@cinder/source', '--import', 'tsx'];
    if (cpuProfileDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', cpuProfileDir);
    return new Loadgen(
      fork(SCRIPT, [], {
        cwd: REPO_DIR,
        execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        // Structured clone keeps NaN (a percentile of no samples) as NaN; JSON would make it null.
        serialization: 'advanced',
      }),
    );
  }

  send(command: LoadgenCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  /**
   * The next message, or an error if the process failed, died or went `timeoutMs` without a
   * message. `progress` messages (long crypto batches) only restart the clock.
   */
  async next(timeoutMs: number): Promise<LoadgenMessage> {
    let deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.inbox.length === 0) {
        if (this.child.exitCode !== null || this.child.signalCode !== null)
          throw new Error('load generator exited');
        if (Date.now() > deadline) {
          this.kill();
          throw new Error('load generator timed out');
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 10);
          this.waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.waiter = undefined;
      }
      const message = this.inbox.shift() as LoadgenMessage;
      if (message.type === 'progress') {
        deadline = Date.now() + timeoutMs;
        continue;
      }
      if (message.type === 'failed') throw new Error(`load generator failed: ${message.error}`);
      return message;
    }
  }

  /** Send a job and wait for a message of type `expect`. */
  async ask<T extends LoadgenMessage['type']>(
    command: LoadgenCommand,
    expect: T,
    timeoutMs: number,
  ): Promise<Extract<LoadgenMessage, { type: T }>> {
    this.send(command);
    const message = await this.next(timeoutMs);
    if (message.type !== expect)
      throw new Error(`load generator answered ${message.type}, expected ${expect}`);
    return message as Extract<LoadgenMessage, { type: T }>;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  /** Wait for the process to end, killing it if it does not within 10 s. */
  async exit(): Promise<void> {
    const timer = setTimeout(() => this.kill(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A load generator holding connected pairs, running traffic jobs on them one after another. */
export class TrafficLoadgen {
  private constructor(private readonly loadgen: Loadgen) {}

  /**
   * Fork a load generator and connect `pairs` to the server at `url`; with `bobUrl`, each pair's
   * Bob connects there instead (another node of a cluster).
   */
  static async start(
    url: string,
    pairs: Pair[],
    timeoutMs: number,
    cpuProfileDir?: string,
    bobUrl?: string,
  ): Promise<TrafficLoadgen> {
    const loadgen = Loadgen.start(cpuProfileDir);
    const job = { kind: 'pairs' as const, url, pairs, ...(bobUrl === undefined ? {} : { bobUrl }) };
    try {
      await loadgen.ask({ type: 'job', job }, 'ready', timeoutMs);
    } catch (error) {
      loadgen.kill();
      throw error;
    }
    return new TrafficLoadgen(loadgen);
  }

  /** Run one traffic job and return its result. */
  async run(job: ClosedLoopJob | OpenLoopJob, timeoutMs: number): Promise<TrafficResult> {
    const message = await this.loadgen.ask({ type: 'job', job }, 'result', timeoutMs);
    return message.result as TrafficResult;
  }

  /** Close the pairs and end the process (which writes its CPU profile, if asked for). */
  async close(): Promise<void> {
    this.loadgen.send({ type: 'exit' });
    await this.loadgen.exit();
  }
}

/** Run the sync job in a fresh load generator process. */
export async function runSyncJob(job: SyncJob, timeoutMs: number): Promise<SyncResult> {
  const loadgen = Loadgen.start();
  try {
    return (await loadgen.ask({ type: 'job', job }, 'result', timeoutMs)).result as SyncResult;
  } finally {
    await loadgen.exit();
  }
}

/** Idle devices held by load generator processes until `release`. */
export interface IdleHold {
  connected: IdleConnected[];
  release(): Promise<void>;
}

/** Connect idle devices, spread over one load generator process per job, and hold them. */
export async function holdIdle(jobs: IdleJob[], timeoutMs: number): Promise<IdleHold> {
  const loadgens = jobs.map(() => Loadgen.start());
  let connected: IdleConnected[];
  try {
    connected = await Promise.all(
      jobs.map(
        async (job, i) =>
          (await (loadgens[i] as Loadgen).ask({ type: 'job', job }, 'connected', timeoutMs)).result,
      ),
    );
  } catch (error) {
    for (const loadgen of loadgens) loadgen.kill();
    throw error;
  }
  return {
    connected,
    async release() {
      await Promise.all(
        loadgens.map(async (loadgen) => {
          await loadgen.ask({ type: 'release' }, 'result', timeoutMs);
          await loadgen.exit();
        }),
      );
    },
  };
}
