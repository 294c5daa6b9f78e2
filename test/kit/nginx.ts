import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'vitest';
import { type TempDir, tempDir } from './temp-dir.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

/** The deployment guide's files (`docs/deploy/`): what operators copy is what the tests run. */
export const DEPLOY_DIR = fileURLToPath(new URL('../../docs/deploy/', import.meta.url));

/** A file of the deployment guide, as text. */
export function deployFile(name: string): string {
  return readFileSync(join(DEPLOY_DIR, name), 'utf8');
}

/**
 * Fill a guide template's `{{NAME}}` placeholders. Throws when the template has a placeholder
 * `values` lacks, or `values` has one the template does not use: a renamed placeholder must
 * fail the test, not leave `{{NAME}}` in a config file or a value silently unused.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>();
  const text = template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`template has no placeholder ${unused.join(', ')}`);
  return text;
}

/**
 * The variables of a systemd `EnvironmentFile`: `KEY=value` lines; blank lines and `#` comments
 * skipped; a value in double or single quotes is unquoted (the subset the guide's files use).
 * Throws on any other line, so the guide cannot hold a line systemd would read differently.
 */
export function readEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1]) throw new Error(`line ${i + 1} is not KEY=value: ${raw}`);
    const value = match[2] ?? '';
    const quoted = /^(["'])(.*)\1$/.exec(value);
    env[match[1]] = quoted ? (quoted[2] ?? '') : value;
  }
  return env;
}

/** Where an executable is: on the PATH, or in the sbin directories a non-root PATH may lack. */
export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Whether the tools of a deployment suite (`nginx`, `systemd-analyze`, `openssl`) are installed.
 * When one is missing the suite is registered as skipped with a loud warning naming it, or, with
 * `CINDER_REQUIRE_NGINX=1` (CI), as one failing test: a deployment test nobody runs must not pass
 * silently. Returns true when the suite should be declared (with top-level await).
 */
export async function deployToolsPresent(suite: string, tools: readonly string[]): Promise<boolean> {
  const missing = tools.filter((tool) => findExecutable(tool) === null);
  if (missing.length === 0) return true;
  const why = `${missing.join(' and ')} not installed (apt-get install ${missing.map(debianPackage).join(' ')})`;
  if (process.env.CINDER_REQUIRE_NGINX === '1') {
    describe(suite, () => {
      it(`needs ${tools.join(' and ')}`, () => {
        throw new Error(`${suite}: ${why}, and CINDER_REQUIRE_NGINX=1 requires it`);
      });
    });
    return false;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPED suite "${suite}": ${why}.\n!! Set CINDER_REQUIRE_NGINX=1 to make this a failure.\n${'!'.repeat(78)}\n`,
  );
  describe.skip(suite, () => {
    it(`needs ${tools.join(' and ')}`, () => {});
  });
  return false;
}

function debianPackage(tool: string): string {
  return tool === 'systemd-analyze' ? 'systemd' : tool;
}

/**
 * `count` TCP ports free on 127.0.0.1 right now: each is bound on port 0 (all at once, so they
 * differ) and released. Another process may take one before it is used; `startNginx` retries.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A self-signed certificate for `127.0.0.1` (EC P-256, 2 days), made by `openssl`. */
export async function selfSignedCertificate(dir: string): Promise<{ certificate: string; key: string }> {
  const certificate = join(dir, 'certificate.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    certificate,
  ]);
  return { certificate, key };
}

/** A running nginx of the test's: its own prefix, config, logs and pid file in a temp dir. */
export interface Nginx extends AsyncDisposable {
  /** `https://127.0.0.1:<port>`: the guide's TLS server. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`: the guide's redirect to HTTPS. */
  readonly httpUrl: string;
  /** The certificate it serves (PEM), for clients that verify it. */
  readonly ca: string;
  /** The site config as rendered from the guide. */
  readonly siteConfig: string;
  readonly process: ChildProcess;
  /** Its error log so far (connect failures to stopped nodes land here). */
  errorLog(): string;
  /**
   * Its access log so far: `<client> "<request line>" <status> upstream=<node host:port>`, one
   * line per finished request (a WebSocket's when it closes).
   */
  accessLog(): string;
  /** Stop it (fast shutdown) and wait for the master to exit; removes its directory. Idempotent. */
  close(): Promise<void>;
}

/** What `startNginx` runs. */
export interface NginxOptions {
  /**
   * The site config, given the listen addresses and certificate paths nginx is to use, e.g. the
   * guide's `nginx.conf` rendered with them. It is included in the `http { }` block.
   */
  site(where: { https: string; http: string; certificate: string; key: string }): string;
}

/** Processes to stop if the test process exits without closing them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});

/**
 * Start nginx (`daemon off`, `master_process on`) as a child of the test, never touching
 * /etc/nginx: prefix, main config, error and access logs, pid file and temp paths all live in a
 * fresh temp dir, listening on free loopback ports with a fresh self-signed certificate. Resolves
 * once both ports accept connections; a port taken meanwhile by another process is retried with
 * fresh ones. Clients in this process accept the self-signed certificate: Node 20 cannot add a
 * CA to `fetch` and `ws` at run time, so `NODE_TLS_REJECT_UNAUTHORIZED` is set to `0` here (the
 * TLS configuration under test is nginx's, not the certificate's chain).
 */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = findExecutable('nginx');
  if (!binary) throw new Error('nginx is not installed (apt-get install nginx)');
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    const dir = tempDir('cinder-nginx-');
    try {
      return await startOnce(binary, dir, options);
    } catch (error) {
      dir.remove();
      lastError = error as Error;
      if (!/Address already in use/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('nginx did not start');
}

async function startOnce(binary: string, dir: TempDir, options: NginxOptions): Promise<Nginx> {
  const [httpsPort, httpPort] = (await freePorts(2)) as [number, number];
  const { certificate, key } = await selfSignedCertificate(dir.path);
  const siteConfig = options.site({
    https: `127.0.0.1:${httpsPort}`,
    http: `127.0.0.1:${httpPort}`,
    certificate,
    key,
  });
  const sitePath = join(dir.path, 'cinder.conf');
  writeFileSync(sitePath, siteConfig);
  const errorLog = join(dir.path, 'error.log');
  const accessLog = join(dir.path, 'access.log');
  mkdirSync(join(dir.path, 'temp'));
  // As root, nginx's workers run as nobody: they need to reach the temp paths under this dir.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir.path, 0o755);
  const temp = (name: string) => `${name}_temp_path ${join(dir.path, 'temp', name)};`;
  const main = [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    asRoot ? 'user nobody nogroup;' : '',
    `pid ${join(dir.path, 'nginx.pid')};`,
    `error_log ${errorLog} notice;`,
    'events { worker_connections 1024; }',
    'http {',
    // Which node served each request: the tests check that both nodes take part.
    `  log_format cinder_test '$remote_addr "$request" $status upstream=$upstream_addr';`,
    `  access_log ${accessLog} cinder_test;`,
    `  ${temp('client_body')}`,
    `  ${temp('proxy')}`,
    `  ${temp('fastcgi')}`,
    `  ${temp('uwsgi')}`,
    `  ${temp('scgi')}`,
    `  include ${sitePath};`,
    '}',
    '',
  ].join('\n');
  const mainPath = join(dir.path, 'nginx.conf');
  writeFileSync(mainPath, main);

  const child = spawn(binary, ['-p', dir.path, '-c', mainPath, '-e', errorLog], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const failure = () => new Error(`nginx exited at start: ${stderr}${read(errorLog)}`);
  let stopped = false;
  void exited.then(() => {
    stopped = true;
    running.delete(child);
  });
  try {
    await waitFor(
      async () => {
        if (stopped) throw failure();
        return (await accepts(httpsPort)) && (await accepts(httpPort));
      },
      { what: `nginx to listen on ${httpsPort} and ${httpPort}`, interval: 25 },
    );
  } catch (error) {
    if (!stopped) {
      child.kill('SIGTERM');
      await exited;
    }
    // Its own words, when it stopped by itself (a port taken meanwhile says so).
    throw stopped || /nginx exited/.test(String(error)) ? failure() : error;
  }

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      if (!stopped) child.kill('SIGTERM');
      await exited;
      dir.remove();
    })();
    return closing;
  };
  return {
    url: `https://127.0.0.1:${httpsPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    ca: readFileSync(certificate, 'utf8'),
    siteConfig,
    process: child,
    errorLog: () => read(errorLog),
    accessLog: () => read(accessLog),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** True once a TCP connection to 127.0.0.1:port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The guide's nginx config (`docs/deploy/nginx.conf`) in front of these nodes, as an operator
 * fills it in: one upstream `server` line per node, the TLS listener and the redirect.
 */
export function startGuideNginx(nodes: ReadonlyArray<{ port: number }>): Promise<Nginx> {
  const template = deployFile('nginx.conf');
  return startNginx({
    site: ({ https, http, certificate, key }) =>
      renderTemplate(template, {
        SERVER_NAME: '127.0.0.1',
        HTTPS_LISTEN: https,
        HTTP_LISTEN: http,
        CERTIFICATE: certificate,
        CERTIFICATE_KEY: key,
        ...Object.fromEntries(nodes.map((node, i) => [`NODE_${i + 1}`, `127.0.0.1:${node.port}`])),
      }),
  });
}
