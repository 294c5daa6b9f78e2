import { Redis } from 'ioredis';
import { safeError } from '../safe-error.ts';
import type { Bus, BusState, Unsubscribe } from './bus.ts';

/**
 * The subset of a Redis client the bus uses, so the bus depends on this interface and tests or
 * other drivers can stand in for it. ioredis's `Redis` implements it as it is (`openIoredis`
 * returns one without a cast, so the compiler keeps the two in line).
 */
export interface RedisConnection {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Connected and usable: at the first connect and after every reconnect. */
  on(event: 'ready', listener: () => void): unknown;
  /** The connection was lost (ioredis then reconnects by itself). */
  on(event: 'close', listener: () => void): unknown;
  ping(): Promise<unknown>;
  /** Open the connection (created lazily). */
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Opens a Redis connection for a URL, not yet connected. */
export type RedisOpener = (url: string) => RedisConnection;

/** The logging the bus may do (a subset of pino's Logger). Payloads are never logged. */
export interface BusLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

type Role = 'publisher' | 'subscriber';

/** Options of the Redis bus. */
export interface RedisBusOptions {
  /** `redis://[:password@]host:6379[/db]`. Never logged. */
  url: string;
  /**
   * Prepended to every channel: the nodes of one Cinder cluster share it, and a cluster with
   * another prefix on the same Redis hears nothing of it (parallel tests use one each).
   * @default ''
   */
  prefix?: string;
  /** How to open a connection. @default ioredis */
  open?: RedisOpener;
  logger?: BusLogger;
}

/** Host and port of a URL, for messages: never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return '(unparsable URL)';
  }
}

function openIoredis(url: string): RedisConnection {
  // Lazy, so `connect()` reports an unreachable Redis at startup instead of retrying silently.
  return new Redis(url, { lazyConnect: true, connectionName: 'cinder' });
}

/**
 * A bus over Redis pub/sub, between the nodes of a cluster. One connection publishes; one
 * subscriber connection carries every channel this node listens to, and its messages are fanned
 * out to the handlers here. Like Redis pub/sub, delivery is at most once (nothing is queued for a
 * node while its connection is down; ioredis reconnects and resubscribes), in publish order per
 * channel and publisher.
 */
export class RedisBus implements Bus {
  readonly #options: RedisBusOptions;
  readonly #prefix: string;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  /** The SUBSCRIBE in flight or done per channel, so later subscribers wait for it too. */
  readonly #subscribed = new Map<string, Promise<unknown>>();
  #pub: RedisConnection | null = null;
  #sub: RedisConnection | null = null;
  #closed = false;
  readonly #resubscribedListeners = new Set<() => void>();
  /** Which connections are up now (ready and not closed since). */
  readonly #up: Record<Role, boolean> = { publisher: false, subscriber: false };
  #reconnects = 0;
  #publishFailures = 0;
  #downSince: number | null = null;

  constructor(options: RedisBusOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? '';
  }

  /** Open both connections; rejects when Redis cannot be reached. */
  async connect(): Promise<void> {
    const open = this.#options.open ?? openIoredis;
    const pub = open(this.#options.url);
    const sub = open(this.#options.url);
    let lastError: (Error & { code?: unknown }) | null = null;
    for (const [role, connection] of [
      ['publisher', pub],
      ['subscriber', sub],
    ] as const) {
      // While Redis is away ioredis retries every 2 s at most and each try fails with an error:
      // the first is logged, the rest are the same outage.
      let quiet = false;
      connection.on('error', (error: Error & { code?: unknown }) => {
        lastError = error;
        if (quiet) return;
        quiet = !this.#up[role];
        this.#options.logger?.warn({ role, err: safeError(error) }, 'redis connection error');
      });
      let readies = 0;
      connection.on('ready', () => {
        readies += 1;
        quiet = false;
        this.#up[role] = true;
        if (readies > 1) this.#reconnects += 1;
        if (this.#up.publisher && this.#up.subscriber && this.#downSince !== null) {
          const downMs = Date.now() - this.#downSince;
          this.#downSince = null;
          this.#options.logger?.info({ downMs }, 'redis bus connected again');
        }
      });
      connection.on('close', () => {
        if (!this.#up[role]) return;
        this.#up[role] = false;
        if (this.#closed) return;
        this.#downSince ??= Date.now();
        this.#options.logger?.warn(
          { role },
          'redis connection lost: wake-ups between nodes stop until it is back (/healthz answers 503)',
        );
      });
    }
    sub.on('message', (channel, message) => this.#deliver(channel, message));
    let readies = 0;
    sub.on('ready', () => {
      // The first is the connect below; later ones follow a reconnect, whose resubscription
      // ioredis sends right after this event. Messages published meanwhile were lost.
      readies += 1;
      if (readies > 1 && !this.#closed) setImmediate(() => void this.#afterReconnect(sub));
    });
    try {
      await Promise.all([pub.connect(), sub.connect()]);
    } catch (error) {
      pub.disconnect();
      sub.disconnect();
      // ioredis rejects with "Connection is closed."; the cause (ECONNREFUSED, …) came as an event.
      const cause = lastError ?? error;
      const code = (cause as { code?: unknown }).code;
      const why = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
      throw new Error(`Cannot connect to Redis at ${where(this.#options.url)}: ${why}`, { cause });
    }
    this.#pub = pub;
    this.#sub = sub;
  }

  async publish(channel: string, payload: string): Promise<void> {
    if (this.#closed) return;
    try {
      // While the connection is down ioredis queues the command and sends it on reconnect (or
      // rejects it after its retries): a late wake-up, or a counted failure.
      await this.#connection(this.#pub).publish(this.#prefix + channel, payload);
    } catch (error) {
      if (!this.#closed) this.#publishFailures += 1;
      throw error;
    }
  }

  state(): BusState {
    return {
      connected: this.#up.publisher && this.#up.subscriber,
      reconnects: this.#reconnects,
      publishFailures: this.#publishFailures,
      downSince: this.#downSince,
    };
  }

  async ping(): Promise<void> {
    // Not queued behind a reconnect: a connection that is down answers at once.
    if (!this.#up.publisher || !this.#up.subscriber) throw new Error('Redis connection is down');
    await Promise.all([this.#connection(this.#pub).ping(), this.#connection(this.#sub).ping()]);
  }

  async subscribe(channel: string, handler: (payload: string) => void): Promise<Unsubscribe> {
    const sub = this.#connection(this.#sub);
    const full = this.#prefix + channel;
    // Wrap so the same function subscribed twice is two subscriptions.
    const entry = (payload: string) => handler(payload);
    let handlers = this.#handlers.get(full);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(full, handlers);
      // Commands on one connection run in order, so a SUBSCRIBE sent after an UNSUBSCRIBE of
      // the same channel leaves it subscribed.
      this.#subscribed.set(full, sub.subscribe(full));
    }
    handlers.add(entry);
    try {
      await this.#subscribed.get(full);
    } catch (error) {
      this.#remove(full, entry);
      throw error;
    }
    return async () => {
      const unsubscribe = this.#remove(full, entry);
      if (unsubscribe) await unsubscribe;
    };
  }

  onResubscribed(listener: () => void): () => void {
    this.#resubscribedListeners.add(listener);
    return () => {
      this.#resubscribedListeners.delete(listener);
    };
  }

  /** Once the channels are subscribed again, tell the listeners (the hub wakes its devices). */
  async #afterReconnect(sub: RedisConnection): Promise<void> {
    // Commands on one connection run in order: when this SUBSCRIBE (of a channel already in
    // ioredis's resubscription) is confirmed, every channel is live again.
    const channel = this.#handlers.keys().next();
    try {
      if (!channel.done) await sub.subscribe(channel.value);
    } catch (error) {
      this.#options.logger?.warn({ err: safeError(error) }, 'redis resubscribe failed');
    }
    if (this.#closed) return;
    for (const listener of [...this.#resubscribedListeners]) listener();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.#subscribed.clear();
    const connections = [this.#pub, this.#sub];
    this.#pub = null;
    this.#sub = null;
    await Promise.all(
      connections.map(async (connection) => {
        if (!connection) return;
        try {
          await connection.quit();
        } catch {
          connection.disconnect();
        }
      }),
    );
  }

  /** Drop a handler; returns the UNSUBSCRIBE when it was the channel's last one. */
  #remove(full: string, entry: (payload: string) => void): Promise<unknown> | null {
    const handlers = this.#handlers.get(full);
    if (!handlers?.delete(entry) || handlers.size > 0) return null;
    this.#handlers.delete(full);
    this.#subscribed.delete(full);
    if (!this.#sub) return null;
    return this.#sub.unsubscribe(full).catch((error: unknown) => {
      this.#options.logger?.warn({ err: safeError(error) }, 'redis unsubscribe failed');
    });
  }

  #deliver(channel: string, payload: string): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    for (const handler of [...handlers]) handler(payload);
  }

  #connection(connection: RedisConnection | null): RedisConnection {
    if (this.#closed) throw new Error('Bus is closed');
    if (!connection) throw new Error('Bus is not connected: call connect() first');
    return connection;
  }
}
