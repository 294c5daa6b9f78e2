import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_TTL_SECONDS,
  DEFAULT_TOMBSTONE_RETENTION_SECONDS,
  MIN_TTL_SECONDS,
} from '@cinder/protocol';

/** pino log levels. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Rate limits per account or device. Defaults never get in the way of a person. */
export interface RateLimitOptions {
  /** Logins per account per minute (burst and refill). @default 30 */
  loginsPerMinute?: number;
  /** `open` requests per device per second; bursts up to 5× this. @default 200 */
  opensPerSecond?: number;
  /** `send` requests per device per second; bursts up to 5× this. @default 200 */
  sendsPerSecond?: number;
}

/** Options of `startServer`. Every one has a default. */
export interface ServerOptions {
  /** TCP port; 0 picks a free one (see `server.port`). @default 8080 */
  port?: number;
  /** Interface to listen on; `0.0.0.0` serves a network. @default '127.0.0.1' */
  host?: string;
  /** Directory of the SQLite database and its WAL. @default './data' */
  dataDir?: string;
  /** PostgreSQL URL (`postgres://…`): store everything there instead of SQLite under `dataDir`. */
  databaseUrl?: string;
  /** PostgreSQL schema of Cinder's tables, created if missing; nodes of one cluster share it. @default 'public' */
  databaseSchema?: string;
  /** Redis URL (`redis://…`): wake devices on other nodes over Redis pub/sub. Several nodes need it and PostgreSQL. */
  redisUrl?: string;
  /** Prefix of this cluster's Redis channels, so clusters can share one Redis. @default '' */
  redisPrefix?: string;
  /** Cap on a burn message's `ttlSeconds`; longer requests are clamped. @default DEFAULT_MAX_TTL_SECONDS (30 days) */
  maxTtlSeconds?: number;
  /** How long tombstones and the event log are kept. @default DEFAULT_TOMBSTONE_RETENTION_SECONDS (30 days) */
  tombstoneRetentionSeconds?: number;
  /** Largest inbound WebSocket frame answered normally; larger ones get PAYLOAD_TOO_LARGE. @default DEFAULT_MAX_FRAME_BYTES (64 KiB) */
  maxFrameBytes?: number;
  /** How often the expiry sweeper runs; expired messages burn within 1 s of their deadline. @default 250 */
  sweepIntervalMs?: number;
  /** pino level. @default 'info' */
  logLevel?: LogLevel;
  /** Write logs to this file instead of stdout. */
  logFile?: string;
  /** Directory of the built web app. @default packages/web/dist */
  webRoot?: string;
  /** Rate limit overrides; `false` disables rate limiting (benchmarks). */
  rateLimits?: RateLimitOptions | false;
  /** Allow this origin to call the HTTP API cross-origin (CORS). @default undefined (same origin only) */
  corsOrigin?: string;
  /** Close connections that send no `hello` within this time (4003). @default 10000 */
  helloTimeoutMs?: number;
  /** Interval of WebSocket pings; a socket that missed the previous pong is dropped. @default 30000 */
  heartbeatMs?: number;
  /** Clock in ms since the epoch, for tests. @default Date.now */
  now?: () => number;
}

/** `ServerOptions` with every default applied. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  databaseSchema: string;
  redisUrl: string | null;
  redisPrefix: string;
  maxTtlSeconds: number;
  tombstoneRetentionSeconds: number;
  maxFrameBytes: number;
  sweepIntervalMs: number;
  logLevel: LogLevel;
  logFile: string | null;
  webRoot: string;
  rateLimits: Required<RateLimitOptions> | false;
  corsOrigin: string | null;
  helloTimeoutMs: number;
  heartbeatMs: number;
  now: () => number;
}

/** Default directory of the built web app, next to this package. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
}

/** Apply defaults and check ranges; throws an Error with a clear message for bad values. */
export function resolveConfig(options: ServerOptions = {}): ServerConfig {
  const limits = options.rateLimits;
  return {
    port: positiveInt('port', options.port, 8080, 0),
    host: options.host ?? '127.0.0.1',
    dataDir: options.dataDir ?? './data',
    databaseUrl: options.databaseUrl || null,
    databaseSchema: options.databaseSchema ?? 'public',
    redisUrl: options.redisUrl || null,
    redisPrefix: options.redisPrefix ?? '',
    maxTtlSeconds: positiveInt(
      'maxTtlSeconds',
      options.maxTtlSeconds,
      DEFAULT_MAX_TTL_SECONDS,
      MIN_TTL_SECONDS,
    ),
    tombstoneRetentionSeconds: positiveInt(
      'tombstoneRetentionSeconds',
      options.tombstoneRetentionSeconds,
      DEFAULT_TOMBSTONE_RETENTION_SECONDS,
    ),
    maxFrameBytes: positiveInt('maxFrameBytes', options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 1024),
    sweepIntervalMs: positiveInt('sweepIntervalMs', options.sweepIntervalMs, 250, 10),
    logLevel: options.logLevel ?? 'info',
    logFile: options.logFile ?? null,
    webRoot: options.webRoot ?? DEFAULT_WEB_ROOT,
    rateLimits:
      limits === false
        ? false
        : {
            loginsPerMinute: positiveInt('loginsPerMinute', limits?.loginsPerMinute, 30),
            opensPerSecond: positiveInt('opensPerSecond', limits?.opensPerSecond, 200),
            sendsPerSecond: positiveInt('sendsPerSecond', limits?.sendsPerSecond, 200),
          },
    corsOrigin: options.corsOrigin ?? null,
    helloTimeoutMs: positiveInt('helloTimeoutMs', options.helloTimeoutMs, 10_000),
    heartbeatMs: positiveInt('heartbeatMs', options.heartbeatMs, 30_000),
    now: options.now ?? Date.now,
  };
}
