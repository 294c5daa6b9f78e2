import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_DIR } from './paths.ts';

/**
 * How the code is run: `tsc`'s dist/ with plain node (what `npm start` and the `cinder` bin run),
 * or the TypeScript source through tsx, with its compile cache (in the temp dir) and without.
 */
export const STARTUP_BUILDS = ['compiled', 'tsx', 'tsxNoCache'] as const;
export type StartupBuild = (typeof STARTUP_BUILDS)[number];

/** Every run of one measurement, in order, and their median; ms. */
export interface StartupTiming {
  medianMs: number;
  runsMs: number[];
}

/** What the start-up scenario measured. */
export interface StartupResult {
  runs: number;
  /** Process start → first `/healthz` 200, SQLite on a fresh data directory. */
  server: Record<StartupBuild, StartupTiming>;
  /** `cinder --help`: process start → exit. */
  help: Record<StartupBuild, StartupTiming>;
  /** The command lines measured (after `node`), for the record. */
  commands: Record<StartupBuild, { server: string[]; help: string[] }>;
}

const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');
const SOURCE = '--conditions=@cinder/source';

/**
 * Arguments after `node`, run in the repository. The tsx ones are how the source ran before the
 * packages were built: the server through the tsx command (`npm start` was `tsx
 * packages/server/src/main.ts`), `cinder` with tsx's loader in its own process (the bin
 * registered it, then imported src/main.ts).
 */
const TSX_SERVER = [TSX_CLI, SOURCE, 'packages/server/src/main.ts'];
const TSX_HELP = [SOURCE, '--import', 'tsx', 'packages/cli/src/main.ts', '--help'];
const COMMANDS: Record<StartupBuild, { server: string[]; help: string[] }> = {
  compiled: {
    server: ['packages/server/dist/main.js'],
    help: ['packages/cli/dist/main.js', '--help'],
  },
  tsx: { server: TSX_SERVER, help: TSX_HELP },
  tsxNoCache: { server: TSX_SERVER, help: TSX_HELP },
};

/** A start that takes longer than this is a failure, not a figure. */
const START_TIMEOUT_MS = 120_000;
/** Pause between `/healthz` attempts while the server listens but does not answer 200 yet. */
const HEALTH_RETRY_MS = 5;

/**
 * The environment of every measured process: this one's without CINDER_* (the server reads its
 * settings from them) and NODE_OPTIONS, so each start is the default configuration.
 */
function cleanEnv(build: StartupBuild): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CINDER_') && key !== 'NODE_OPTIONS' && !key.startsWith('TSX_')) env[key] = value;
  }
  env.CINDER_LOG_LEVEL = 'info'; // the `listening` line is at info
  if (build === 'tsxNoCache') env.TSX_DISABLE_CACHE = '1';
  return env;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};

/** Kill the process (SIGTERM, then SIGKILL if it lingers) and wait for its exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function jsonLine(line: string): { msg?: string; url?: string } | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as { msg?: string; url?: string };
  } catch {
    return null;
  }
}

/** The URL of the server's `listening` log line (JSON on stdout). */
function listeningUrl(child: ChildProcess, output: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error('no `listening` line in time')), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        const parsed = jsonLine(line);
        if (parsed?.msg === 'listening' && parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening`));
    });
  });
}

/** Spawn the server and time it from spawn to the first `/healthz` that answers 200. */
async function timeServerStart(build: StartupBuild, dataDir: string): Promise<number> {
  const output: string[] = [];
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [...COMMANDS[build].server, '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir],
    { cwd: REPO_DIR, env: cleanEnv(build), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  try {
    const url = await listeningUrl(child, output);
    for (;;) {
      const response = await fetch(`${url}/healthz`).catch(() => null);
      await response?.body?.cancel();
      if (response?.status === 200) return performance.now() - began;
      await new Promise((resolve) => setTimeout(resolve, HEALTH_RETRY_MS));
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${build} server did not start: ${reason}\n${output.slice(-20).join('\n')}`);
  } finally {
    await stop(child);
  }
}

const execFileAsync = promisify(execFile);

/** Time `cinder --help` from spawn to exit; it must print the usage and exit 0. */
async function timeHelp(build: StartupBuild): Promise<number> {
  const began = performance.now();
  const { stdout } = await execFileAsync(process.execPath, COMMANDS[build].help, {
    cwd: REPO_DIR,
    env: cleanEnv(build),
    timeout: START_TIMEOUT_MS,
  });
  const ms = performance.now() - began;
  if (!stdout.includes('Usage: cinder')) throw new Error(`${build} cinder --help printed no usage`);
  return ms;
}

/**
 * Start-up: the server to its first `/healthz` 200 on SQLite with a fresh data directory, and
 * `cinder --help`, each `runs` times per build. Every build is started once unmeasured first (the
 * page cache, and tsx's compile cache for `tsx`); then the builds alternate run by run, so a busy
 * moment on the machine falls on all of them. Nothing else runs meanwhile.
 */
export async function runStartup(
  runs: number,
  root: string,
  log: (line: string) => void,
): Promise<StartupResult> {
  const server = new Map<StartupBuild, number[]>(STARTUP_BUILDS.map((b) => [b, []]));
  const help = new Map<StartupBuild, number[]>(STARTUP_BUILDS.map((b) => [b, []]));
  const freshDir = () => mkdtemp(join(root, 'startup-'));
  for (let i = -1; i < runs; i++) {
    for (const build of STARTUP_BUILDS) {
      const dataDir = await freshDir();
      const serverMs = await timeServerStart(build, dataDir);
      await rm(dataDir, { recursive: true, force: true });
      const helpMs = await timeHelp(build);
      if (i < 0) continue; // the warm-up
      server.get(build)?.push(serverMs);
      help.get(build)?.push(helpMs);
      log(
        `  startup ${build.padEnd(10)} run ${i + 1}/${runs}: server ${serverMs.toFixed(0)} ms, --help ${helpMs.toFixed(0)} ms`,
      );
    }
  }
  const timing = (map: Map<StartupBuild, number[]>, build: StartupBuild): StartupTiming => {
    const runsMs = map.get(build) ?? [];
    return { medianMs: median(runsMs), runsMs };
  };
  const per = (map: Map<StartupBuild, number[]>) =>
    Object.fromEntries(STARTUP_BUILDS.map((b) => [b, timing(map, b)])) as Record<StartupBuild, StartupTiming>;
  return { runs, server: per(server), help: per(help), commands: COMMANDS };
}

/**
 * Bring dist/ up to date with the source (`tsc -b`, incremental: about a second when nothing
 * changed), so the compiled figures are of the code in this tree.
 */
export async function buildPackages(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    await execFileAsync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: REPO_DIR });
  } catch (error) {
    const { stdout = '' } = error as { stdout?: string };
    throw new Error(`the packages do not build (npm run build):\n${stdout}`);
  }
}
