import pg from 'pg';
import { safeError } from '../safe-error.ts';
import type { BusLogger } from './redis-bus.ts';

/**
 * The subset of one PostgreSQL connection the bus uses, so the bus depends on this interface and
 * never on `pg` itself (`openPgConnection` adapts a `pg.Client`).
 */
export interface PostgresBusConnection {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  /** A NOTIFY on a channel this connection LISTENs to. */
  onNotification(listener: (channel: string, payload: string) => void): void;
  onError(listener: (error: Error) => void): void;
  /** The connection ended: closed by `end`, or lost. */
  onEnd(listener: () => void): void;
  end(): Promise<unknown>;
}

/** Opens a connection (not yet connected) for a URL; `name` becomes its `application_name`. */
export type PostgresBusOpener = (url: string, name: string) => PostgresBusConnection;

/** A dedicated `pg.Client`, never one of the storage's pool: LISTEN belongs to one session. */
export function openPgConnection(url: string, name: string): PostgresBusConnection {
  const client = new pg.Client({
    connectionString: named(url, name),
    application_name: name,
    // A peer that vanished without a FIN is noticed by TCP keepalive (probes after 10 s idle),
    // then reconnected: the listener is idle most of the time.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: 10_000,
  });
  return {
    connect: () => client.connect(),
    query: (text, values) => client.query(text, values),
    onNotification: (listener) => client.on('notification', (m) => listener(m.channel, m.payload ?? '')),
    onError: (listener) => client.on('error', listener),
    onEnd: (listener) => client.on('end', listener),
    end: () => client.end(),
  };
}

/**
 * The URL with `application_name` set to `name`, so the bus's connections show apart from the
 * storage pool's in `pg_stat_activity` even when the URL names the node (an `application_name`
 * in the URL would win over the client option).
 */
function named(url: string, name: string): string {
  try {
    const u = new URL(url);
    u.searchParams.set('application_name', name);
    return u.href;
  } catch {
    return url;
  }
}

/** Host, port and database of a URL, for messages: never its password. */
export function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** Options of one reconnecting connection. */
export interface PostgresLinkOptions {
  url: string;
  /** `listener` or `publisher`: its `application_name` is `cinder-bus-<role>`, and logs name it. */
  role: string;
  open: PostgresBusOpener;
  /** Runs on each new connection before it counts as up (LISTEN, session settings). */
  prepare(connection: PostgresBusConnection): Promise<void>;
  /** Called each time the connection goes up (`again` after a loss) or down. */
  changed(up: boolean, again: boolean): void;
  /** A reconnect attempt failed. */
  attemptFailed(error: unknown): void;
  /** Full-jitter backoff between reconnect attempts: up to `min · 2^attempt`, at most `max` ms. */
  backoff: { minMs: number; maxMs: number };
  logger?: BusLogger;
}

/**
 * One PostgreSQL connection that comes back: when it ends while the link is open, a new one is
 * opened after a full-jitter backoff (random between 0 and min·2^attempt, capped), prepared, and
 * only then reported up. A `pg.Client` cannot be reused after it ended, so each try is a new one.
 */
export class PostgresLink {
  readonly #options: PostgresLinkOptions;
  #connection: PostgresBusConnection | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #closed = false;
  /** Errors are logged once per outage: the rest are the same outage. */
  #quiet = false;

  constructor(options: PostgresLinkOptions) {
    this.#options = options;
  }

  /** The connection while it is up and prepared, else null. */
  get connection(): PostgresBusConnection | null {
    return this.#connection;
  }

  /** The first connection; rejects when it cannot be opened or prepared (nothing retries it). */
  async start(): Promise<void> {
    this.#connection = await this.#open();
    this.#options.changed(true, false);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const connection = this.#connection;
    this.#connection = null;
    await connection?.end().catch(() => {});
  }

  async #open(): Promise<PostgresBusConnection> {
    const { url, role, open, prepare, logger } = this.#options;
    const connection = open(url, `cinder-bus-${role}`);
    connection.onError((error) => {
      if (this.#quiet || this.#closed) return;
      this.#quiet = true;
      logger?.warn({ role, err: safeError(error) }, 'postgres bus connection error');
    });
    let ended = false;
    connection.onEnd(() => {
      ended = true;
      this.#ended(connection);
    });
    try {
      await connection.connect();
      await prepare(connection);
      if (ended) throw new Error('The connection ended while it was being prepared');
    } catch (error) {
      await connection.end().catch(() => {});
      throw error;
    }
    if (this.#closed) {
      await connection.end().catch(() => {});
      throw new Error('Bus is closed');
    }
    this.#quiet = false;
    return connection;
  }

  #ended(connection: PostgresBusConnection): void {
    // Only the live connection matters: a failed attempt's end is handled where it failed.
    if (connection !== this.#connection || this.#closed) return;
    this.#connection = null;
    this.#options.logger?.warn(
      { role: this.#options.role },
      'postgres bus connection lost: wake-ups between nodes stop until it is back (/healthz answers 503)',
    );
    this.#options.changed(false, false);
    this.#attempt = 0;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed) return;
    const { minMs, maxMs } = this.#options.backoff;
    const delay = Math.random() * Math.min(maxMs, minMs * 2 ** this.#attempt);
    this.#attempt += 1;
    this.#timer = setTimeout(() => void this.#retry(), delay);
    this.#timer.unref();
  }

  async #retry(): Promise<void> {
    this.#timer = null;
    if (this.#closed) return;
    try {
      this.#connection = await this.#open();
    } catch (error) {
      if (this.#closed) return;
      this.#options.attemptFailed(error);
      if (!this.#quiet) {
        this.#quiet = true;
        this.#options.logger?.warn(
          { role: this.#options.role, err: safeError(error) },
          'postgres bus reconnect failed; retrying',
        );
      }
      this.#schedule();
      return;
    }
    this.#options.changed(true, true);
  }
}
