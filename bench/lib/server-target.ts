import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ServerCommand, ServerMessage } from './jobs.ts';
import { BENCH_DIR, REPO_DIR } from './paths.ts';
import { readRssBytes } from './proc-stats.ts';

/** Which server a target runs: Cinder, the bare baseline batched per tick, or per request. */
export type TargetKind = 'cinder' | 'baseline' | 'naive';

/** Options of `ServerTarget.start`. */
export interface StartOptions {
  kind: TargetKind;
  dataDir: string;
  /** Write a V8 CPU profile into this directory when the server stops (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** Give up if the server has not said `listening` by then. @default 30000 */
  timeoutMs?: number;
  /**
   * More arguments of a Cinder server: its database, schema, Redis and bus
   * (`--database-url`, `--database-schema`, `--redis-url`, `--redis-prefix`, `--bus`).
   */
  args?: string[];
}

const COMMANDS: Record<TargetKind, string[]> = {
  cinder: [join(BENCH_DIR, 'server-process.ts')],
  baseline: [join(BENCH_DIR, 'baseline', 'server.ts'), '--mode', 'batched'],
  naive: [join(BENCH_DIR, 'baseline', 'server.ts'), '--mode', 'naive'],
};

/** Lines of server output kept to explain a failure. */
const OUTPUT_TAIL = 40;

/** A server under test, running in its own process. */
export class ServerTarget {
  private readonly output: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly kind: TargetKind,
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
    /** Prometheus scrape URL (Cinder); null for the baselines. */
    readonly metricsUrl: string | null,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Spawn the server and wait until it listens. */
  static async start(options: StartOptions): Promise<ServerTarget> {
    const execArgv = ['--expose-gc', '--conditions=@cinder/source', '--import', 'tsx'];
    if (options.cpuProfileDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir);
    const child = spawn(
      process.execPath,
      [...execArgv, ...COMMANDS[options.kind], '--data-dir', options.dataDir, ...(options.args ?? [])],
      {
        cwd: REPO_DIR,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const output: string[] = [];
    const keep = (chunk: Buffer): void => {
      output.push(...chunk.toString().split('\n').filter(Boolean));
      output.splice(0, Math.max(0, output.length - OUTPUT_TAIL));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const listening = await new Promise<{ url: string; metricsUrl: string | null }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${options.kind} server did not start:\n${output.join('\n')}`));
      }, options.timeoutMs ?? 30_000);
      child.on('message', (message: ServerMessage) => {
        if (message.type === 'listening') {
          clearTimeout(timer);
          resolve({ url: message.url, metricsUrl: message.metricsUrl ?? null });
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${options.kind} server failed to start: ${message.error}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.kind} server exited with ${code}:\n${output.join('\n')}`));
      });
    });
    const target = new ServerTarget(
      options.kind,
      child,
      listening.url,
      options.dataDir,
      listening.metricsUrl,
    );
    target.output.push(...output);
    return target;
  }

  /** Process id, for reading its CPU time and RSS from /proc. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Resident set size now, bytes. */
  rss(): number {
    return readRssBytes(this.pid);
  }

  /** Run a full garbage collection in the server; resolves with its memory usage after it. */
  gc(): Promise<NodeJS.MemoryUsage> {
    return new Promise((resolve) => {
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== 'memory') return;
        this.child.off('message', onMessage);
        resolve(message.memory);
      };
      this.child.on('message', onMessage);
      this.command({ type: 'gc' });
    });
  }

  /** Stop the server cleanly (so a CPU profile gets written); kill it if it takes too long. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.command({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines the server printed. */
  tail(): string {
    return this.output.join('\n');
  }

  private command(command: ServerCommand): void {
    if (this.child.connected) this.child.send(command);
  }
}
