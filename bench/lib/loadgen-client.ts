import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type {
  IdleConnected,
  IdleJob,
  LoadgenCommand,
  LoadgenMessage,
  LoadJob,
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

  static start(): Loadgen {
    return new Loadgen(
      fork(SCRIPT, [], {
        cwd: REPO_DIR,
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }

  send(command: LoadgenCommand): void {
    this.child.send(command);
  }

  /** The next message, or an error if the process failed or died. */
  async next(timeoutMs: number): Promise<LoadgenMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error('load generator exited');
      if (Date.now() > deadline) {
        this.child.kill('SIGKILL');
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
    if (message.type === 'failed') throw new Error(`load generator failed: ${message.error}`);
    return message;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  async exit(): Promise<void> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Run one traffic or sync job in a fresh load generator process and return its result. */
export async function runJob(
  job: Exclude<LoadJob, IdleJob>,
  timeoutMs: number,
): Promise<TrafficResult | SyncResult> {
  const loadgen = Loadgen.start();
  try {
    loadgen.send({ type: 'job', job });
    const message = await loadgen.next(timeoutMs);
    if (message.type !== 'result') throw new Error(`unexpected ${message.type}`);
    return message.result as TrafficResult | SyncResult;
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
      jobs.map(async (job, i) => {
        const loadgen = loadgens[i] as Loadgen;
        loadgen.send({ type: 'job', job });
        const message = await loadgen.next(timeoutMs);
        if (message.type !== 'connected') throw new Error(`unexpected ${message.type}`);
        return message.result;
      }),
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
          loadgen.send({ type: 'release' });
          await loadgen.next(timeoutMs);
          await loadgen.exit();
        }),
      );
    },
  };
}
