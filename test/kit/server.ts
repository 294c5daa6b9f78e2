import { type CinderServer, type ServerOptions, startServer } from '@cinder/server';
import { Exposition } from './prometheus.ts';
import { tempDir } from './temp-dir.ts';
import { type WaitOptions, waitFor } from './wait.ts';

/** A real server in this process, on 127.0.0.1 and a port of its own, for one test or suite. */
export interface TestServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Its Prometheus scrape URL (`http://127.0.0.1:<port>/metrics`): read it with {@link metrics}. */
  readonly metricsUrl: string;
  /** The SQLite data directory: a temp dir of its own unless the options named one. */
  readonly dataDir: string;
  /** The server itself. */
  readonly server: CinderServer;
  /** Stop the server, then delete the temp data dir (never a `dataDir` the options named). Idempotent. */
  close(): Promise<void>;
}

/**
 * Start a server on 127.0.0.1, port 0, quiet, with SQLite in a fresh temp directory and its
 * metrics listener on a port of its own. `options` pass through to `startServer` and win over
 * these defaults (a `dataDir` of the test's own is kept at close; `databaseUrl` selects
 * PostgreSQL). Release it with `await using`.
 */
export async function testServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = options.dataDir === undefined ? tempDir('cinder-server-') : null;
  const dataDir = options.dataDir ?? (dir?.path as string);
  let server: CinderServer;
  try {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      metricsPort: 0,
      logLevel: 'silent',
      ...options,
      dataDir,
    });
  } catch (error) {
    dir?.remove();
    throw error;
  }
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= server.close().finally(() => dir?.remove());
    return closing;
  };
  const metricsUrl = server.metricsUrl;
  if (metricsUrl === null) {
    await close();
    throw new Error('testServer needs the metrics listener: do not turn metricsPort off');
  }
  return {
    url: server.url,
    port: server.port,
    metricsUrl,
    dataDir,
    server,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Status and body of a server's `/healthz` (200 while it can serve, as `/readyz`). */
export async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Status and body of a server's `/livez` (liveness: 200 while the process answers). */
export async function live(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/livez`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Status and body of a server's `/readyz` (readiness). */
export async function ready(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A server with a metrics listener: a {@link TestServer} or a `ChildServer` started with `--metrics-port`. */
export interface Scraped {
  readonly metricsUrl: string | null;
}

/**
 * A scrape of a server's metrics listener, parsed (see {@link Exposition}): e.g.
 * `(await metrics(server)).value('cinder_burns_total', { reason: 'opened' })`.
 */
export async function metrics(server: Scraped): Promise<Exposition> {
  if (!server.metricsUrl) throw new Error('the server has no metrics listener (--metrics-port)');
  const res = await fetch(server.metricsUrl);
  if (res.status !== 200) throw new Error(`${server.metricsUrl} answered ${res.status}`);
  return new Exposition(await res.text());
}

/** Completed passes of a server's expiry sweeper. */
async function sweeperRuns(server: Scraped): Promise<number> {
  return (await metrics(server)).value('cinder_sweeper_runs_total');
}

/**
 * Wait until the server's expiry sweeper has completed two more passes. The second of those
 * started after this call and passes never overlap, so by then an expiry pass and a prune (when
 * one is due) ran entirely after it, with the server's clock as it was when called: the barrier
 * for "past the ttl, or past retention, the sweeper has acted".
 */
export async function sweptAfter(server: Scraped, options: WaitOptions = {}): Promise<void> {
  const runs = await sweeperRuns(server);
  await waitFor(async () => (await sweeperRuns(server)) >= runs + 2, {
    what: `two more sweeper runs on ${server.metricsUrl}`,
    ...options,
  });
}
