import { parseArgs } from 'node:util';
import type { LogLevel, ServerOptions } from './config.ts';

const LOG_LEVELS: ReadonlySet<string> = new Set([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
]);

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds from `90`, `10s`, `5m`, `1h`, `30d` or `2w`. Throws on anything else. */
export function parseDuration(value: string): number {
  const match = /^(\d+)\s*([smhdw]?)$/i.exec(value.trim());
  if (!match?.[1]) throw new Error(`Not a duration: "${value}" (use seconds or 10s, 5m, 1h, 30d, 2w)`);
  return Number(match[1]) * (UNIT_SECONDS[(match[2] || 's').toLowerCase()] ?? 1);
}

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

function parseLogLevel(value: string): LogLevel {
  if (!LOG_LEVELS.has(value))
    throw new Error(`Not a log level: "${value}" (use ${[...LOG_LEVELS].join(', ')})`);
  return value as LogLevel;
}

/** Each flag, its environment variable, and how to read it into `ServerOptions`. */
const FLAGS = {
  port: { env: 'CINDER_PORT', set: (o: ServerOptions, v: string) => (o.port = parsePort(v)) },
  host: { env: 'CINDER_HOST', set: (o: ServerOptions, v: string) => (o.host = v) },
  'data-dir': { env: 'CINDER_DATA_DIR', set: (o: ServerOptions, v: string) => (o.dataDir = v) },
  'database-url': { env: 'CINDER_DATABASE_URL', set: (o: ServerOptions, v: string) => (o.databaseUrl = v) },
  'redis-url': { env: 'CINDER_REDIS_URL', set: (o: ServerOptions, v: string) => (o.redisUrl = v) },
  'max-ttl': {
    env: 'CINDER_MAX_TTL',
    set: (o: ServerOptions, v: string) => (o.maxTtlSeconds = parseDuration(v)),
  },
  'tombstone-retention': {
    env: 'CINDER_TOMBSTONE_RETENTION',
    set: (o: ServerOptions, v: string) => (o.tombstoneRetentionSeconds = parseDuration(v)),
  },
  'max-frame-bytes': {
    env: 'CINDER_MAX_FRAME_BYTES',
    set: (o: ServerOptions, v: string) => (o.maxFrameBytes = parseBytes(v)),
  },
  'log-level': {
    env: 'CINDER_LOG_LEVEL',
    set: (o: ServerOptions, v: string) => (o.logLevel = parseLogLevel(v)),
  },
  'log-file': { env: 'CINDER_LOG_FILE', set: (o: ServerOptions, v: string) => (o.logFile = v) },
  'web-root': { env: 'CINDER_WEB_ROOT', set: (o: ServerOptions, v: string) => (o.webRoot = v) },
  'cors-origin': { env: 'CINDER_CORS_ORIGIN', set: (o: ServerOptions, v: string) => (o.corsOrigin = v) },
} as const satisfies Record<string, { env: string; set: (o: ServerOptions, v: string) => unknown }>;

type Flag = keyof typeof FLAGS;

/** Usage text of the server flags (for `--help` of `cinder serve` and `main.ts`). */
export const SERVER_USAGE = `Options (flags win over environment variables):
  --port <n>                  CINDER_PORT                 default 8080
  --host <addr>               CINDER_HOST                 default 127.0.0.1 (0.0.0.0 serves a network)
  --data-dir <dir>            CINDER_DATA_DIR             default ./data (SQLite database and WAL)
  --database-url <url>        CINDER_DATABASE_URL         PostgreSQL instead of SQLite (postgres://…)
  --redis-url <url>           CINDER_REDIS_URL            Redis pub/sub between nodes (several nodes need it)
  --max-ttl <duration>        CINDER_MAX_TTL              default 30d (cap on a burn message's ttl)
  --tombstone-retention <d>   CINDER_TOMBSTONE_RETENTION  default 30d
  --max-frame-bytes <size>    CINDER_MAX_FRAME_BYTES      default 64k
  --log-level <level>         CINDER_LOG_LEVEL            default info (fatal error warn info debug trace silent)
  --log-file <path>           CINDER_LOG_FILE             default stdout
  --web-root <dir>            CINDER_WEB_ROOT             default packages/web/dist
  --cors-origin <origin>      CINDER_CORS_ORIGIN          default none (same origin only)
Durations are seconds or 10s, 5m, 1h, 30d, 2w.`;

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
    options: Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string' as const }])),
    strict: true,
    allowPositionals: false,
  });
  const options: ServerOptions = {};
  for (const [name, flag] of Object.entries(FLAGS) as Array<[Flag, (typeof FLAGS)[Flag]]>) {
    const fromEnv = env[flag.env];
    if (fromEnv !== undefined && fromEnv !== '') flag.set(options, fromEnv);
    const fromFlag = values[name];
    if (typeof fromFlag === 'string') flag.set(options, fromFlag);
  }
  return options;
}
