import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  collectOutput,
  type ProcessOutput,
  type TestServer,
  testServer,
  WAIT_MS,
} from '../../../test/kit/index.ts';

/** The `cinder` command from its TypeScript source, workspace packages included (no build). */
const CINDER = [
  '--conditions=@cinder/source',
  '--import',
  'tsx',
  fileURLToPath(new URL('../src/main.ts', import.meta.url)),
];

/**
 * The real `cinder` binary run against one server, with its profiles in a temp `CINDER_HOME` of
 * its own, speaking English (`CINDER_LANG=en`). A profile `p` signs in with the password
 * `p-long-password` unless the environment given says otherwise. Release it with `await using` or `close()`.
 */
export interface CinderRunner extends AsyncDisposable {
  /** The `CINDER_HOME` (and `HOME`) of every run: `<home>/<profile>.json` is a profile's store. */
  readonly home: string;
  /** Start `cinder <args>` as `profile`, with `extraEnv` over the defaults. */
  start(profile: string, args: string[], extraEnv?: NodeJS.ProcessEnv): ChildProcess;
  /**
   * Start `cinder <args>` as `profile` on a terminal of its own (util-linux `script`): its stdout
   * and stderr are the terminal, read together from the child's stdout; what the test writes to
   * the child's stdin is typed on it (`\x03` is Ctrl-C).
   */
  startInTerminal(profile: string, args: string[]): ChildProcess;
  /**
   * Run `cinder <args>` as `profile` under a shell script that ends in `exec "$@"` (e.g. one that
   * sets a `ulimit` first), and collect its output once it exited.
   */
  runInShell(profile: string, script: string, ...args: string[]): Promise<ProcessOutput>;
  /** Run `cinder <args>` as `profile` and collect its output once it exited. */
  run(profile: string, ...args: string[]): Promise<ProcessOutput>;
  /** `run` with extra environment. */
  runWith(profile: string, extraEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<ProcessOutput>;
  /** Kill what is still running and delete the home. */
  close(): Promise<void>;
}

/** A `CinderRunner` for the server at `url`. */
export async function cinderRunner(url: string): Promise<CinderRunner> {
  const home = await mkdtemp(join(tmpdir(), 'cinder-cli-home-'));
  const children = new Set<ChildProcess>();
  const envOf = (profile: string, extraEnv: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: home,
    CINDER_HOME: home,
    CINDER_URL: url,
    CINDER_PROFILE: profile,
    CINDER_PASSWORD: `${profile}-long-password`,
    // The tests read English; a run in another language passes its own CINDER_LANG or LANG.
    CINDER_LANG: 'en',
    ...extraEnv,
  });
  const track = (child: ChildProcess): ChildProcess => {
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };
  const start = (profile: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess =>
    track(
      spawn(process.execPath, [...CINDER, ...args], {
        env: envOf(profile, extraEnv),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  const runInShell = (profile: string, script: string, ...args: string[]): Promise<ProcessOutput> =>
    collectOutput(
      track(
        spawn('sh', ['-c', script, 'sh', process.execPath, ...CINDER, ...args], {
          env: envOf(profile),
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      ),
    );
  const startInTerminal = (profile: string, args: string[]): ChildProcess => {
    // `exec`: the terminal's Ctrl-C reaches cinder alone, and its exit code is the run's.
    const command = `exec ${[process.execPath, ...CINDER, ...args].map(shellQuote).join(' ')}`;
    return track(
      spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
        env: { ...envOf(profile), TERM: 'dumb' },
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
  };
  const runWith = (profile: string, extraEnv: NodeJS.ProcessEnv, ...args: string[]) =>
    collectOutput(start(profile, args, extraEnv));
  const close = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  };
  return {
    home,
    start,
    startInTerminal,
    runInShell,
    run: (profile, ...args) => runWith(profile, {}, ...args),
    runWith,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A test server and a `CinderRunner` against it, shared by a test file. */
export interface ServerAndCli {
  readonly server: TestServer;
  readonly cli: CinderRunner;
}

/**
 * Start a test server and a `CinderRunner` on it in `beforeAll`, and close both in `afterAll`.
 * Call at the top of a test file; read the fields inside its tests.
 */
export function serverAndCli(): ServerAndCli {
  const started: { server?: TestServer; cli?: CinderRunner } = {};
  beforeAll(async () => {
    started.server = await testServer();
    started.cli = await cinderRunner(started.server.url);
  });
  afterAll(async () => {
    await started.cli?.close();
    await started.server?.close();
  });
  const get = <K extends keyof ServerAndCli>(key: K): ServerAndCli[K] => {
    const value = started[key];
    if (!value) throw new Error(`serverAndCli: no ${key} before beforeAll`);
    return value as ServerAndCli[K];
  };
  return {
    get server() {
      return get('server');
    },
    get cli() {
      return get('cli');
    },
  };
}

/** `value` as one word for `sh -c`. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The stdout of a run that succeeded: exit 0 and no `error:` on stderr (else the test fails here). */
export function ok(result: ProcessOutput): string {
  expect(result.stderr.includes('error:') ? result.stderr : '').toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Resolve with all of `stream`'s text so far once it satisfies `done`. */
export function waitForOutput(
  stream: NodeJS.ReadableStream,
  done: (text: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out; got: ${text}`)), WAIT_MS);
    stream.on('data', (d) => {
      text += d;
      if (done(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}
