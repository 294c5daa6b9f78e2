import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A server running `src/main.ts` in a child process (one node process, so SIGKILL really kills it). */
export interface ChildServer {
  child: ChildProcess;
  url: string;
  port: number;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** How the child runs beyond its flags and environment. */
export interface SpawnOptions {
  /** Open-file limit of the process (soft and hard), set with util-linux `prlimit`. */
  fileLimit?: number;
}

/** `node --import tsx src/main.ts <args>` with stdout and stderr piped. */
function spawnMain(
  args: readonly string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): ChildProcess {
  const command = [process.execPath, '--import', 'tsx', MAIN, ...args];
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
  const url = await new Promise<string>((resolve, reject) => {
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
          const parsed = JSON.parse(line) as { msg?: string; url?: string };
          if (parsed.msg === 'listening' && parsed.url) {
            clearTimeout(timer);
            resolve(parsed.url);
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
  return { child, url, port: Number(new URL(url).port), exited, stderr: () => stderr };
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
