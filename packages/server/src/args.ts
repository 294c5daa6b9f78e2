import { parseArgs } from 'node:util';
import { DURATION_HINT, parseDuration } from '@cinder/protocol';
import type { BusKind } from './bus/create-bus.ts';
import type { LogLevel, ServerOptions } from './config.ts';

export { parseDuration };

const LOG_LEVELS: ReadonlySet<string> = new Set([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]);

/** Bytes from `65536`, `64k` / `64KiB` or `1m` / `1MiB`. */
function parseBytes(value: string): number {
  const match = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!match?.[1]) throw new Error(`Not a size: "${value}" (use bytes, 64k or 1m)`);
  const unit = (match[2] ?? '').toLowerCase();
  return Number(match[1]) * (unit.startsWith('m') ? 1024 * 1024 : unit.startsWith('k') ? 1024 : 1);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65_535) throw new Error(`Not a port: "${value}"`);
  return port;
}

function parseCount(value: string, what: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || !Number.isSafeInteger(n))
    throw new Error(`Not a ${what}: "${value}" (use a whole number ≥ ${min})`);
  return n;
}

function parseBus(value: string): BusKind {
  if (value !== 'memory' && value !== 'redis' && value !== 'postgres')
    throw new Error(`Not a bus: "${value}" (use memory, redis or postgres)`);
  return value;
}

function parseLogLevel(value: string): LogLevel {
  if (!LOG_LEVELS.has(value))
    throw new Error(`Not a log level: "${value}" (use ${[...LOG_LEVELS].join(', ')})`);
  return value as LogLevel;
}

/** One server flag: its environment variable, how it reads, and what `--help` says of it. */
export interface ServerFlag {
  /** Environment variable read when the flag is not given. */
  env: string;
  /** Placeholder of the value in help texts, e.g. `<duration>`. */
  arg: string;
  /** The default, as a person would write it (`--help` and the README show it). */
  default: string;
  /** One line on what it does. */
  help: string;
  /** Read the value into the options; throws an Error with a clear message for a bad value. */
  set(options: ServerOptions, value: string): void;
}

/**
 * Every server flag, once: `parseServerArgs`, `SERVER_USAGE`, `cinder serve --help` and the
 * README's configuration table (checked by a test) all come from this table.
 */
export const SERVER_FLAGS = {
  port: {
    env: 'CINDER_PORT',
    arg: '<n>',
    default: '8080',
    help: 'HTTP and WebSocket port',
    set: (o, v) => (o.port = parsePort(v)),
  },
  host: {
    env: 'CINDER_HOST',
    arg: '<addr>',
    default: '127.0.0.1',
    help: '0.0.0.0 serves a network',
    set: (o, v) => (o.host = v),
  },
  'data-dir': {
    env: 'CINDER_DATA_DIR',
    arg: '<dir>',
    default: './data',
    help: 'SQLite database and WAL',
    set: (o, v) => (o.dataDir = v),
  },
  'database-url': {
    env: 'CINDER_DATABASE_URL',
    arg: '<url>',
    default: 'SQLite',
    help: 'postgres://user:pass@host:5432/db: PostgreSQL instead of SQLite (tables created at start)',
    set: (o, v) => (o.databaseUrl = v),
  },
  'redis-url': {
    env: 'CINDER_REDIS_URL',
    arg: '<url>',
    default: 'none',
    help: 'redis://host:6379: Redis pub/sub between nodes (implies --bus redis) and cluster-wide login limits',
    set: (o, v) => (o.redisUrl = v),
  },
  bus: {
    env: 'CINDER_BUS',
    arg: '<kind>',
    default: 'implied',
    help: 'how nodes wake each other: `memory` (one node), `redis` (pub/sub) or `postgres` (LISTEN/NOTIFY, no Redis); implied: `redis` with --redis-url, else `postgres` with --database-url, else `memory`',
    set: (o, v) => (o.bus = parseBus(v)),
  },
  'database-schema': {
    env: 'CINDER_DATABASE_SCHEMA',
    arg: '<name>',
    default: 'public',
    help: "PostgreSQL schema of Cinder's tables (created if missing); the nodes of one cluster share it, another cluster uses its own",
    set: (o, v) => (o.databaseSchema = v),
  },
  'database-pool-size': {
    env: 'CINDER_DATABASE_POOL_SIZE',
    arg: '<n>',
    default: '10',
    help: 'PostgreSQL connections this node opens at most',
    set: (o, v) => (o.databasePoolSize = parseCount(v, 'count', 1)),
  },
  'redis-prefix': {
    env: 'CINDER_REDIS_PREFIX',
    arg: '<prefix>',
    default: 'none',
    help: "prefix of this cluster's Redis channels and keys, so two clusters can share one Redis (e.g. `prod:`)",
    set: (o, v) => (o.redisPrefix = v),
  },
  'metrics-port': {
    env: 'CINDER_METRICS_PORT',
    arg: '<n>',
    default: 'off',
    help: 'serve Prometheus metrics at /metrics on this port, never on the public one',
    set: (o, v) => (o.metricsPort = parsePort(v)),
  },
  'metrics-host': {
    env: 'CINDER_METRICS_HOST',
    arg: '<addr>',
    default: '127.0.0.1',
    help: 'interface of the metrics listener',
    set: (o, v) => (o.metricsHost = v),
  },
  'max-ttl': {
    env: 'CINDER_MAX_TTL',
    arg: '<duration>',
    default: '30d',
    help: "cap on a burn message's unopened lifetime (longer requests are clamped)",
    set: (o, v) => (o.maxTtlSeconds = parseDuration(v)),
  },
  'tombstone-retention': {
    env: 'CINDER_TOMBSTONE_RETENTION',
    arg: '<duration>',
    default: '30d',
    help: 'how long tombstones and the event log are kept; a device offline longer does a full resync',
    set: (o, v) => (o.tombstoneRetentionSeconds = parseDuration(v)),
  },
  'recall-window': {
    env: 'CINDER_RECALL_WINDOW',
    arg: '<duration>',
    default: '2m',
    help: 'how long after sending a sender may recall a normal message (消息撤回)',
    set: (o, v) => (o.recallWindowSeconds = parseDuration(v)),
  },
  'vapid-subject': {
    env: 'CINDER_VAPID_SUBJECT',
    arg: '<url>',
    default: 'mailto:push@cinder.invalid',
    help: 'the contact push services see in every Web Push (mailto: or https:); set a real one',
    set: (o, v) => (o.vapidSubject = v),
  },
  'max-frame-bytes': {
    env: 'CINDER_MAX_FRAME_BYTES',
    arg: '<size>',
    default: '128k',
    help: 'largest inbound WebSocket frame (larger: a `PAYLOAD_TOO_LARGE` error frame)',
    set: (o, v) => (o.maxFrameBytes = parseBytes(v)),
  },
  'max-upload': {
    env: 'CINDER_MAX_UPLOAD',
    arg: '<size>',
    default: '25m',
    help: 'largest upload (a media attachment); larger: `PAYLOAD_TOO_LARGE` before any byte is stored',
    set: (o, v) => (o.maxUploadBytes = parseBytes(v)),
  },
  'upload-ttl': {
    env: 'CINDER_UPLOAD_TTL',
    arg: '<duration>',
    default: '1h',
    help: 'an upload not attached to a sent message within this is removed',
    set: (o, v) => (o.uploadTtlSeconds = parseDuration(v)),
  },
  'log-level': {
    env: 'CINDER_LOG_LEVEL',
    arg: '<level>',
    default: 'info',
    help: '`fatal` … `trace`, `silent`; no level ever logs content',
    set: (o, v) => (o.logLevel = parseLogLevel(v)),
  },
  'log-file': {
    env: 'CINDER_LOG_FILE',
    arg: '<path>',
    default: 'stdout',
    help: 'write the JSON log to a file (created 600)',
    set: (o, v) => (o.logFile = v),
  },
  'web-root': {
    env: 'CINDER_WEB_ROOT',
    arg: '<dir>',
    default: 'packages/web/dist',
    help: 'the web app the server serves at `/`',
    set: (o, v) => (o.webRoot = v),
  },
  'cors-origin': {
    env: 'CINDER_CORS_ORIGIN',
    arg: '<origin>',
    default: 'none',
    help: 'allow one other origin to call the API',
    set: (o, v) => (o.corsOrigin = v),
  },
  'request-timeout': {
    env: 'CINDER_REQUEST_TIMEOUT',
    arg: '<duration>',
    default: '20s',
    help: 'an HTTP connection must send a whole request within this, and is closed if silent this long before its first one',
    set: (o, v) => (o.requestTimeoutMs = parseDuration(v) * 1000),
  },
  'max-connections-per-address': {
    env: 'CINDER_MAX_CONNECTIONS_PER_ADDRESS',
    arg: '<n>',
    default: '256',
    help: 'open connections from one address (an IPv6 /64); more get 429. 0: no cap; not applied with --trust-proxy',
    set: (o, v) => (o.maxConnectionsPerAddress = parseCount(v, 'count', 0)),
  },
  'max-connections': {
    env: 'CINDER_MAX_CONNECTIONS',
    arg: '<n>',
    default: 'open-file limit − 5%',
    help: 'open connections in all; at the cap the oldest silent one is closed, or the new one gets 503. 0: no cap',
    set: (o, v) => (o.maxConnections = parseCount(v, 'count', 0)),
  },
  'max-buffered-per-connection': {
    env: 'CINDER_MAX_BUFFERED_PER_CONNECTION',
    arg: '<size>',
    default: '8m',
    help: 'bytes queued for a WebSocket client that does not read before it is cut (close 4004); reading its requests stops at 1 MiB',
    set: (o, v) => (o.maxBufferedPerConnection = parseBytes(v)),
  },
  'max-buffered-total': {
    env: 'CINDER_MAX_BUFFERED_TOTAL',
    arg: '<size>',
    default: '256m',
    help: 'bytes queued for all WebSocket clients together; over it clients holding 256 KiB or more are cut',
    set: (o, v) => (o.maxBufferedTotal = parseBytes(v)),
  },
  'trust-proxy': {
    env: 'CINDER_TRUST_PROXY',
    arg: '<hops>',
    default: '0',
    help: 'reverse proxies in front: the client address is the n-th X-Forwarded-For entry from the right (0: the TCP peer)',
    set: (o, v) => (o.trustProxy = parseCount(v, 'hop count', 0)),
  },
  'registrations-per-hour': {
    env: 'CINDER_REGISTRATIONS_PER_HOUR',
    arg: '<n>',
    default: '20',
    help: 'accounts created from one address per hour',
    set: (o, v) => (o.rateLimits = { ...o.rateLimits, registrationsPerHour: parseCount(v, 'count', 1) }),
  },
  'login-failures-per-address': {
    env: 'CINDER_LOGIN_FAILURES_PER_ADDRESS',
    arg: '<n>',
    default: '50',
    help: 'failed logins from one address over all accounts per 10 minutes (20 per account and address, 100 per account an hour)',
    set: (o, v) => (o.rateLimits = { ...o.rateLimits, loginFailuresPerAddress: parseCount(v, 'count', 1) }),
  },
  'upload-rate': {
    env: 'CINDER_UPLOAD_RATE',
    arg: '<size>',
    default: '16m',
    help: 'upload bytes a device may start per second (bursts of 4× this, and always one largest upload)',
    set: (o, v) => (o.rateLimits = { ...o.rateLimits, uploadBytesPerSecond: parseBytes(v) }),
  },
} as const satisfies Record<string, ServerFlag>;

type Flag = keyof typeof SERVER_FLAGS;

function usageLine(name: string, flag: ServerFlag): string {
  const left = `  --${name} ${flag.arg}`.padEnd(34);
  return `${left}${flag.env.padEnd(30)}${flag.help.replaceAll('`', '')} (default ${flag.default})`;
}

/** Usage text of the server flags (for `--help` of `main.ts`). */
export const SERVER_USAGE = `Options (flags win over environment variables):
${Object.entries(SERVER_FLAGS)
  .map(([name, flag]) => usageLine(name, flag))
  .join('\n')}
Durations are ${DURATION_HINT}.`;

/**
 * Server options from command-line flags and environment variables (flags win). Throws an Error
 * with a clear message for an unknown flag or a bad value. Used by `main.ts` and `cinder serve`.
 */
export function parseServerArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): ServerOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.keys(SERVER_FLAGS).map((name) => [name, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const options: ServerOptions = {};
  for (const [name, flag] of Object.entries(SERVER_FLAGS) as Array<[Flag, ServerFlag]>) {
    const fromEnv = env[flag.env];
    if (fromEnv !== undefined && fromEnv !== '') flag.set(options, fromEnv);
    const fromFlag = values[name];
    if (typeof fromFlag === 'string') flag.set(options, fromFlag);
  }
  return options;
}
