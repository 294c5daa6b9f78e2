import { fileURLToPath } from 'node:url';
import {
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_TTL_SECONDS,
  DEFAULT_MAX_UPLOAD_BYTES,
  DEFAULT_TOMBSTONE_RETENTION_SECONDS,
  DEFAULT_UPLOAD_TTL_SECONDS,
  MIN_TTL_SECONDS,
} from '@cinder/protocol';
import type { BusKind } from './bus/create-bus.ts';
import { defaultMaxConnections } from './http/connection-guard.ts';

/** pino log levels. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Rate limits per address, account or device. Defaults never get in the way of a person.
 * Failed logins and registrations are counted cluster-wide when `redisUrl` is set; the rest
 * per node (a device talks to one node). Each "per N minutes" limit is also its burst.
 */
export interface RateLimitOptions {
  /** Failed logins of one account from one address per 10 minutes. Successful logins never count. @default 20 */
  loginFailuresPerAccountAndAddress?: number;
  /** Failed logins from one address over all accounts per 10 minutes (password spraying). @default 50 */
  loginFailuresPerAddress?: number;
  /**
   * Failed logins of one account from all addresses per hour. Past it only addresses the account
   * signed in or registered from in the last 30 days may try. @default 100
   */
  loginFailuresPerAccount?: number;
  /** Accounts created from one address per hour. @default 20 */
  registrationsPerHour?: number;
  /** `open` requests per device per second; bursts up to 5× this. @default 200 */
  opensPerSecond?: number;
  /**
   * Content bytes (text UTF-8 + `ext` JSON) returned by `open` per device per second; bursts
   * up to 2× this. @default 8 MiB (100 opens a second of the largest messages fit)
   */
  openBytesPerSecond?: number;
  /** `send` requests per device per second; bursts up to 5× this. @default 200 */
  sendsPerSecond?: number;
  /**
   * "No such user" answers (a `keys` lookup or a send to a name that does not exist, was
   * deleted or blocked the asker) one account may get per 10 minutes. Past it every lookup and
   * send to another user is RATE_LIMITED until the budget refills, so the limit cannot itself
   * tell names apart (docs/accounts.md). @default 60
   */
  unknownUsersPer10Minutes?: number;
  /**
   * Upload bytes a device may start per second (each upload reserves its size when it starts);
   * bursts up to 4× this, and always one upload of `maxUploadBytes`. @default 16 MiB
   */
  uploadBytesPerSecond?: number;
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
  /** Prefix of this cluster's Redis channels and keys, so clusters can share one Redis. @default '' */
  redisPrefix?: string;
  /**
   * How nodes wake each other: `memory` (one node alone), `redis` (pub/sub, needs `redisUrl`) or
   * `postgres` (LISTEN/NOTIFY on the database, needs `databaseUrl`).
   * @default 'redis' with `redisUrl`, else 'postgres' with `databaseUrl`, else 'memory'
   */
  bus?: BusKind;
  /** Most PostgreSQL connections this node opens. @default 10 */
  databasePoolSize?: number;
  /** Port of the Prometheus metrics listener (`/metrics`), apart from the public one. @default off */
  metricsPort?: number;
  /** Interface of the metrics listener. @default '127.0.0.1' */
  metricsHost?: string;
  /** Cap on a burn message's `ttlSeconds`; longer requests are clamped. @default DEFAULT_MAX_TTL_SECONDS (30 days) */
  maxTtlSeconds?: number;
  /** How long tombstones and the event log are kept. @default DEFAULT_TOMBSTONE_RETENTION_SECONDS (30 days) */
  tombstoneRetentionSeconds?: number;
  /** How long after sending a sender may recall a normal message (docs/accounts.md). @default DEFAULT_RECALL_WINDOW_SECONDS (2 minutes) */
  recallWindowSeconds?: number;
  /** Largest inbound WebSocket frame answered normally; larger ones get PAYLOAD_TOO_LARGE. @default DEFAULT_MAX_FRAME_BYTES (128 KiB) */
  maxFrameBytes?: number;
  /** Largest upload; a larger `size` is PAYLOAD_TOO_LARGE before any byte is stored. @default DEFAULT_MAX_UPLOAD_BYTES (25 MiB) */
  maxUploadBytes?: number;
  /** An upload not attached to a sent message within this is removed. @default DEFAULT_UPLOAD_TTL_SECONDS (1 hour) */
  uploadTtlSeconds?: number;
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
  /**
   * Reverse proxies in front of the server: with n > 0 the client address (for rate limits)
   * is the n-th X-Forwarded-For entry from the right; with 0 the TCP peer's. @default 0
   */
  trustProxy?: number;
  /**
   * The VAPID `sub` claim of every Web Push (docs/push.md): a `mailto:` or `https:` contact the
   * push services can reach the operator at. @default 'mailto:push@cinder.invalid'
   */
  vapidSubject?: string;
  /**
   * Accept push subscriptions whose endpoint is `http:` or on a private, loopback or link-local
   * address (a push service of the operator's own network, or tests); else only `https:` on a
   * public address, checked again when each push connects (docs/push.md). @default false
   */
  pushInsecureEndpoints?: boolean;
  /** Close connections that send no `hello` within this time (4003). @default 10000 */
  helloTimeoutMs?: number;
  /** Interval of WebSocket pings; a socket that missed the previous pong is dropped. @default 30000 */
  heartbeatMs?: number;
  /**
   * An HTTP connection must send a complete request (headers and body) within this time, and one
   * that stays silent this long before its first request is closed. Upgraded sockets have
   * `helloTimeoutMs` instead; between requests node's keep-alive timeout (5 s) applies. @default 20000
   */
  requestTimeoutMs?: number;
  /**
   * Open connections (HTTP and WebSocket) from one address, an IPv6 /64 counting as one; the next
   * one is answered 429. 0: no cap. Not applied when `trustProxy` > 0 (every connection then
   * comes from the proxy, which should cap per client). @default 256
   */
  maxConnectionsPerAddress?: number;
  /**
   * Open connections in all. At the cap the oldest connection that has not spoken yet (no
   * request, no hello) is closed to make room, or the new one is answered 503 when all have.
   * 0: no cap. @default the open-file limit less 5% (at least 64) where it can be read (Linux), else 0
   */
  maxConnections?: number;
  /**
   * Bytes queued for one WebSocket client that does not read before it is disconnected (4004).
   * Reading its requests already stops at 1 MiB queued. @default 8 MiB
   */
  maxBufferedPerConnection?: number;
  /** Bytes queued for all WebSocket clients together; over it, clients holding 256 KiB or more are cut. @default 256 MiB */
  maxBufferedTotal?: number;
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
  bus: BusKind;
  databasePoolSize: number;
  metricsPort: number | null;
  metricsHost: string;
  maxTtlSeconds: number;
  tombstoneRetentionSeconds: number;
  recallWindowSeconds: number;
  maxFrameBytes: number;
  maxUploadBytes: number;
  uploadTtlSeconds: number;
  sweepIntervalMs: number;
  logLevel: LogLevel;
  logFile: string | null;
  webRoot: string;
  rateLimits: Required<RateLimitOptions> | false;
  corsOrigin: string | null;
  trustProxy: number;
  vapidSubject: string;
  pushInsecureEndpoints: boolean;
  helloTimeoutMs: number;
  heartbeatMs: number;
  requestTimeoutMs: number;
  maxConnectionsPerAddress: number;
  maxConnections: number;
  maxBufferedPerConnection: number;
  maxBufferedTotal: number;
  now: () => number;
}

/** Default of `RateLimitOptions.openBytesPerSecond`: 8 MiB. */
/** How long after sending a sender may recall a normal message: 2 minutes, as in the IM apps users know. */
export const DEFAULT_RECALL_WINDOW_SECONDS = 120;

export const DEFAULT_OPEN_BYTES_PER_SECOND = 8 * 1024 * 1024;

/** Default upload bytes a device may start per second (see `RateLimitOptions.uploadBytesPerSecond`). */
export const DEFAULT_UPLOAD_BYTES_PER_SECOND = 16 * 1024 * 1024;

/** Default directory of the built web app, next to this package. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** The bus asked for, or the one the URLs imply; throws when its URL is missing. */
function resolveBus(options: ServerOptions): BusKind {
  const bus = options.bus ?? (options.redisUrl ? 'redis' : options.databaseUrl ? 'postgres' : 'memory');
  if (bus === 'redis' && !options.redisUrl) throw new Error('--bus redis needs --redis-url');
  if (bus === 'postgres' && !options.databaseUrl) throw new Error('--bus postgres needs --database-url');
  if (bus !== 'memory' && bus !== 'redis' && bus !== 'postgres')
    throw new Error(`Not a bus: "${String(bus)}" (use memory, redis or postgres)`);
  return bus;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
}

/** The VAPID subject, checked as push services check it: a `mailto:` or `https:` URL. */
function vapidSubject(value: string | undefined): string {
  const subject = value ?? 'mailto:push@cinder.invalid';
  if (!URL.canParse(subject) || !['mailto:', 'https:'].includes(new URL(subject).protocol)) {
    throw new Error(`vapidSubject must be a mailto: or https: URL, not "${subject}"`);
  }
  return subject;
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
    bus: resolveBus(options),
    databasePoolSize: positiveInt('databasePoolSize', options.databasePoolSize, 10),
    metricsPort:
      options.metricsPort === undefined ? null : positiveInt('metricsPort', options.metricsPort, 0, 0),
    metricsHost: options.metricsHost ?? '127.0.0.1',
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
    recallWindowSeconds: positiveInt(
      'recallWindowSeconds',
      options.recallWindowSeconds,
      DEFAULT_RECALL_WINDOW_SECONDS,
    ),
    maxFrameBytes: positiveInt('maxFrameBytes', options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES, 1024),
    maxUploadBytes: positiveInt('maxUploadBytes', options.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES),
    uploadTtlSeconds: positiveInt('uploadTtlSeconds', options.uploadTtlSeconds, DEFAULT_UPLOAD_TTL_SECONDS),
    sweepIntervalMs: positiveInt('sweepIntervalMs', options.sweepIntervalMs, 250, 10),
    logLevel: options.logLevel ?? 'info',
    logFile: options.logFile ?? null,
    webRoot: options.webRoot ?? DEFAULT_WEB_ROOT,
    rateLimits:
      limits === false
        ? false
        : {
            loginFailuresPerAccountAndAddress: positiveInt(
              'loginFailuresPerAccountAndAddress',
              limits?.loginFailuresPerAccountAndAddress,
              20,
            ),
            loginFailuresPerAddress: positiveInt(
              'loginFailuresPerAddress',
              limits?.loginFailuresPerAddress,
              50,
            ),
            loginFailuresPerAccount: positiveInt(
              'loginFailuresPerAccount',
              limits?.loginFailuresPerAccount,
              100,
            ),
            registrationsPerHour: positiveInt('registrationsPerHour', limits?.registrationsPerHour, 20),
            opensPerSecond: positiveInt('opensPerSecond', limits?.opensPerSecond, 200),
            openBytesPerSecond: positiveInt(
              'openBytesPerSecond',
              limits?.openBytesPerSecond,
              DEFAULT_OPEN_BYTES_PER_SECOND,
            ),
            sendsPerSecond: positiveInt('sendsPerSecond', limits?.sendsPerSecond, 200),
            unknownUsersPer10Minutes: positiveInt(
              'unknownUsersPer10Minutes',
              limits?.unknownUsersPer10Minutes,
              60,
            ),
            uploadBytesPerSecond: positiveInt(
              'uploadBytesPerSecond',
              limits?.uploadBytesPerSecond,
              DEFAULT_UPLOAD_BYTES_PER_SECOND,
            ),
          },
    corsOrigin: options.corsOrigin ?? null,
    trustProxy: positiveInt('trustProxy', options.trustProxy, 0, 0),
    vapidSubject: vapidSubject(options.vapidSubject),
    pushInsecureEndpoints: options.pushInsecureEndpoints ?? false,
    helloTimeoutMs: positiveInt('helloTimeoutMs', options.helloTimeoutMs, 10_000),
    heartbeatMs: positiveInt('heartbeatMs', options.heartbeatMs, 30_000),
    requestTimeoutMs: positiveInt('requestTimeoutMs', options.requestTimeoutMs, 20_000, 100),
    maxConnectionsPerAddress: positiveInt(
      'maxConnectionsPerAddress',
      options.maxConnectionsPerAddress,
      256,
      0,
    ),
    maxConnections:
      options.maxConnections === undefined
        ? defaultMaxConnections()
        : positiveInt('maxConnections', options.maxConnections, 0, 0),
    maxBufferedPerConnection: positiveInt(
      'maxBufferedPerConnection',
      options.maxBufferedPerConnection,
      8 * 1024 * 1024,
      64 * 1024,
    ),
    maxBufferedTotal: positiveInt('maxBufferedTotal', options.maxBufferedTotal, 256 * 1024 * 1024, 64 * 1024),
    now: options.now ?? Date.now,
  };
}
