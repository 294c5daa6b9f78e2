import { type CinderServer, type ServerOptions, startServer } from '@cinder/server';
import { tempDir } from './temp-dir.ts';
import { type WaitOptions, waitFor } from './wait.ts';

/** A real server in this process, on 127.0.0.1 and a port of its own, for one test or suite. */
export interface TestServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** The SQLite data directory: a temp dir of its own unless the options named one. */
  readonly dataDir: string;
  /** The server itself. */
  readonly server: CinderServer;
  /** Stop the server, then delete the temp data dir (never a `dataDir` the options named). Idempotent. */
  close(): Promise<void>;
}

/**
 * Start a server on 127.0.0.1, port 0, quiet, with SQLite in a fresh temp directory. `options`
 * pass through to `startServer` and win over these defaults (a `dataDir` of the test's own is
 * kept at close; `databaseUrl` selects PostgreSQL). Release it with `await using`.
 */
export async function testServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = options.dataDir === undefined ? tempDir('cinder-server-') : null;
  const dataDir = options.dataDir ?? (dir?.path as string);
  let server: CinderServer;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...options, dataDir });
  } catch (error) {
    dir?.remove();
    throw error;
  }
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= server.close().finally(() => dir?.remove());
    return closing;
  };
  return { url: server.url, port: server.port, dataDir, server, close, [Symbol.asyncDispose]: close };
}

/** Status and body of a server's `/healthz`. */
export async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What a server's `/metrics` reports that the tests look at. */
export interface Metrics {
  connections: number;
  sweeper: { runs: number; burned: number };
  [key: string]: unknown;
}

/** A server's `/metrics`. */
export async function metrics(url: string): Promise<Metrics> {
  return (await (await fetch(`${url}/metrics`)).json()) as Metrics;
}

/**
 * Wait until the server's expiry sweeper has run twice more. The second of those runs started
 * after this call and sweeps never overlap, so by then an expiry pass and a prune (when one is
 * due) ran entirely after it, with the server's clock as it was when called: the barrier for
 * "past the ttl, or past retention, the sweeper has acted".
 */
export async function sweptAfter(url: string, options: WaitOptions = {}): Promise<void> {
  const runs = (await metrics(url)).sweeper.runs;
  await waitFor(async () => (await metrics(url)).sweeper.runs >= runs + 2, {
    what: `two more sweeper runs on ${url}`,
    ...options,
  });
}
