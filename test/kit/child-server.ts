import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../packages/server/src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A server running `packages/server/src/main.ts` in a child process (one node process, so SIGKILL
 * really kills it). `await using` kills it (SIGKILL) if it still runs.
 */
export interface ChildServer extends AsyncDisposable {
  child: ChildProcess;
  url: string;
  port: number;
  /** Its Prometheus scrape URL, when started with `--metrics-port`; else null. */
  metricsUrl: string | null;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** How the child runs beyond its flags and environment. */
export interface SpawnOptions {
  /** Open-file limit of the process (soft and hard), set with util-linux `prlimit`. */
  fileLimit?: number;
}

/**
 * `node --import tsx src/main.ts <args>` with stdout and stderr piped; `@cinder/source` makes the
 * workspace packages it imports resolve to their source too, not to a build in dist/.
 */
function spawnMain(
  args: readonly string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): ChildProcess {
  const command = [process.execPath, '--conditions=@cinder/source', '--import', 'tsx', MAIN, ...args];
  if (options.fileLimit !== undefined) command.unshift('prlimit', `--nofile=${options.fileLimit}`);
  const [file = '', ...rest] = command;
  return spawn(file, rest, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Spawn the server with these flags and wait for its `listening` log line. */
export async function spawnServer(
  args: readonly string[],
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<ChildServer> {
  const child = spawnMain(args, env, options);
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const listening = await new Promise<{ url: string; metricsUrl: string | null }>((resolve, reject) => {
    // Generous: a start (tsx compiling main.ts, opening storage) can take most of a minute at a
    // load average of 20. A child that never listens is not left running.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${stderr}`));
    }, 90_000);
    child.stdout?.on('data', (d) => {
      stdout += String(d);
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as { msg?: string; url?: string; metricsUrl?: string | null };
          if (parsed.msg === 'listening' && parsed.url) {
            clearTimeout(timer);
            resolve({ url: parsed.url, metricsUrl: parsed.metricsUrl ?? null });
          }
        } catch {
          // a partial line
        }
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const dispose = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const { url, metricsUrl } = listening;
  return {
    child,
    url,
    port: Number(new URL(url).port),
    metricsUrl,
    exited,
    stderr: () => stderr,
    [Symbol.asyncDispose]: dispose,
  };
}

/** Spawn without waiting for `listening`: for processes expected to fail. */
export function runServerProcess(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnMain(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * The real entry point as a child process on a data dir of the test's, that can be stopped
 * (SIGTERM, SIGKILL) and started again on the same port: restart and crash tests.
 */
export class ServerProcess implements AsyncDisposable {
  #running: ChildServer | null = null;
  url = '';
  port = 0;

  constructor(
    readonly dataDir: string,
    readonly extraArgs: string[] = [],
  ) {}

  /** Start on `port` (the last one by default; 0 picks a free one) and wait until it listens. */
  async start(port = this.port): Promise<void> {
    this.#running = await spawnServer([
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      this.dataDir,
      ...this.extraArgs,
    ]);
    this.url = this.#running.url;
    this.port = this.#running.port;
  }

  /** Stop with a signal and wait for the exit code (null when the signal killed it). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const running = this.#running;
    if (!running) return null;
    this.#running = null;
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
    return (await running.exited).code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop('SIGKILL');
  }
}
