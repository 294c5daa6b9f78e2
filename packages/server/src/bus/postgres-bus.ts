import { createHash, randomBytes } from 'node:crypto';
import type { Bus, BusState, Unsubscribe } from './bus.ts';
import { openPgConnection, type PostgresBusOpener, PostgresLink, where } from './postgres-link.ts';
import type { BusLogger } from './redis-bus.ts';

/**
 * Largest NOTIFY payload PostgreSQL takes, in bytes (it refuses 8000 and more). What the bus
 * sends is the Cinder channel and its payload together, with a few bytes of framing.
 */
export const MAX_NOTIFY_BYTES = 7999;

/** Notifications sent in one statement at most. */
const MAX_BATCH = 500;
/** Publishes waiting for the publisher at most; more are refused at once. */
const MAX_QUEUED = 10_000;

/** Options of the PostgreSQL bus. */
export interface PostgresBusOptions {
  /** `postgres://user:pass@host:5432/db`: the cluster's database. Never logged. */
  url: string;
  /**
   * The cluster on this database: its nodes share it, and a cluster with another namespace on
   * the same database hears nothing of it. The server passes its database schema.
   */
  namespace: string;
  /** How to open a connection. @default a `pg.Client` */
  open?: PostgresBusOpener;
  /** Backoff between reconnect attempts. @default { minMs: 100, maxMs: 2000 } */
  backoff?: { minMs: number; maxMs: number };
  logger?: BusLogger;
}

/** The NOTIFY channel of a namespace: an identifier of 39 safe bytes, whatever the namespace holds. */
export function notifyChannel(namespace: string): string {
  return `cinder_${createHash('sha256').update(namespace).digest('hex').slice(0, 32)}`;
}

interface Queued {
  message: string;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * A bus over PostgreSQL LISTEN/NOTIFY, for a cluster that has PostgreSQL and no Redis. All
 * nodes of a cluster LISTEN on one NOTIFY channel named after its namespace; a notification
 * carries the Cinder channel and the payload, and each node hands it to its own subscribers of
 * that channel. So every node hears every wake-up of the cluster and keeps its own: a few nodes
 * cost nothing, many nodes with many users are Redis's job (which routes per channel).
 *
 * Two dedicated connections, never the storage's pool: one LISTENs (a session holds its
 * LISTENs), one publishes. Publishes queue on the publisher and go out in order, those queued
 * while a statement runs together in the next one, so order per channel and publisher holds.
 * A node's own subscribers hear its publishes at once, in process, and drop their echo.
 * Delivery is at most once: a notification sent while a node's listener is down is lost to it,
 * so after each reconnect the `onResubscribed` listeners run (the hub then wakes every device).
 */
export class PostgresBus implements Bus {
  readonly #options: PostgresBusOptions;
  readonly #channel: string;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  readonly #resubscribedListeners = new Set<() => void>();
  readonly #listener: PostgresLink;
  readonly #publisher: PostgresLink;
  readonly #up = { listener: false, publisher: false };
  readonly #queue: Queued[] = [];
  #sending = false;
  #seq = 0;
  /** Names this bus in its notifications, so it knows its own when PostgreSQL echoes them. */
  readonly #origin = randomBytes(6).toString('base64url');
  #started = false;
  #closed = false;
  #reconnects = 0;
  #publishFailures = 0;
  #downSince: number | null = null;

  constructor(options: PostgresBusOptions) {
    this.#options = options;
    this.#channel = notifyChannel(options.namespace);
    const common = {
      url: options.url,
      open: options.open ?? openPgConnection,
      backoff: options.backoff ?? { minMs: 100, maxMs: 2000 },
      ...(options.logger ? { logger: options.logger } : {}),
    };
    this.#listener = new PostgresLink({
      ...common,
      role: 'listener',
      prepare: async (connection) => {
        connection.onNotification((channel, message) => {
          if (channel === this.#channel) this.#received(message);
        });
        await connection.query(`LISTEN "${this.#channel}"`);
      },
      changed: (up, again) => {
        this.#changed('listener', up, again);
        // Notifications sent while it was away are lost: tell the hub, which wakes its devices.
        if (up && again) for (const listener of [...this.#resubscribedListeners]) listener();
      },
      attemptFailed: () => {},
    });
    this.#publisher = new PostgresLink({
      ...common,
      role: 'publisher',
      // A wake-up is not data: its commit need not wait for the WAL to reach the disk.
      prepare: async (connection) => {
        await connection.query('SET synchronous_commit TO off');
      },
      changed: (up, again) => {
        this.#changed('publisher', up, again);
        if (up) this.#flush();
      },
      // Publishes waiting for the publisher fail once a reconnect fails: a late wake-up after a
      // short drop, a counted failure during an outage.
      attemptFailed: (error) => this.#failQueued(error),
    });
  }

  /** Open both connections and LISTEN; rejects when PostgreSQL cannot be reached. */
  async connect(): Promise<void> {
    const started = await Promise.allSettled([this.#listener.start(), this.#publisher.start()]);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all([this.#listener.close(), this.#publisher.close()]);
      const cause = failed.reason as { code?: unknown; message?: unknown };
      const why = typeof cause.code === 'string' ? `${cause.code} ${cause.message}` : String(cause.message);
      throw new Error(`Cannot connect the bus to PostgreSQL at ${where(this.#options.url)}: ${why}`, {
        cause,
      });
    }
    this.#started = true;
  }

  async publish(channel: string, payload: string): Promise<void> {
    if (this.#closed) return;
    if (!this.#started) throw new Error('Bus is not connected: call connect() first');
    this.#seq = (this.#seq + 1) % 0x100000000;
    // The sequence number keeps two equal publishes in one statement apart: PostgreSQL delivers
    // equal notifications of one transaction once.
    const message = `${this.#origin}:${this.#seq.toString(36)}:${channel.length}:${channel}${payload}`;
    const bytes = Buffer.byteLength(message);
    // Refused rather than split: the hub's payloads are a few dozen bytes, and pieces of one
    // payload could be lost apart (at most once), which a receiver would have to detect.
    if (bytes > MAX_NOTIFY_BYTES || message.includes('\0')) {
      this.#publishFailures += 1;
      throw new Error(
        bytes > MAX_NOTIFY_BYTES
          ? `Bus payload too large for PostgreSQL NOTIFY: ${bytes} bytes with its channel (at most ${MAX_NOTIFY_BYTES})`
          : 'Bus payload holds a NUL byte, which PostgreSQL text cannot carry',
      );
    }
    // This node's own subscribers hear it at once, as on the in-process bus, whatever the
    // database does; its echo from PostgreSQL is dropped (see `#received`).
    this.#deliver(channel, payload);
    if (this.#queue.length >= MAX_QUEUED) {
      this.#publishFailures += 1;
      throw new Error(`PostgreSQL bus publisher is behind by ${MAX_QUEUED} publishes`);
    }
    await new Promise<void>((resolve, reject) => {
      this.#queue.push({ message, resolve, reject });
      this.#flush();
    });
  }

  async subscribe(channel: string, handler: (payload: string) => void): Promise<Unsubscribe> {
    if (this.#closed) throw new Error('Bus is closed');
    if (!this.#started) throw new Error('Bus is not connected: call connect() first');
    // The node LISTENs to its whole namespace from `connect` on, so a handler is live once it is
    // in the map. While the listener is down it hears nothing, and `onResubscribed` follows.
    // Wrapped so the same function subscribed twice is two subscriptions.
    const entry = (payload: string) => handler(payload);
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    handlers.add(entry);
    return async () => {
      const held = this.#handlers.get(channel);
      if (held?.delete(entry) && held.size === 0) this.#handlers.delete(channel);
    };
  }

  onResubscribed(listener: () => void): () => void {
    this.#resubscribedListeners.add(listener);
    return () => {
      this.#resubscribedListeners.delete(listener);
    };
  }

  state(): BusState {
    return {
      connected: this.#up.listener && this.#up.publisher,
      reconnects: this.#reconnects,
      publishFailures: this.#publishFailures,
      downSince: this.#downSince,
    };
  }

  async ping(): Promise<void> {
    const listener = this.#listener.connection;
    const publisher = this.#publisher.connection;
    // Not queued behind a reconnect: a connection that is down answers at once.
    if (!listener || !publisher) throw new Error('PostgreSQL bus connection is down');
    await Promise.all([listener.query('SELECT 1'), publisher.query('SELECT 1')]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    for (const queued of this.#queue.splice(0)) queued.reject(new Error('Bus is closed'));
    await Promise.all([this.#listener.close(), this.#publisher.close()]);
  }

  #changed(role: 'listener' | 'publisher', up: boolean, again: boolean): void {
    this.#up[role] = up;
    if (!up) {
      this.#downSince ??= Date.now();
      return;
    }
    if (again) this.#reconnects += 1;
    if (this.#up.listener && this.#up.publisher && this.#downSince !== null) {
      const downMs = Date.now() - this.#downSince;
      this.#downSince = null;
      this.#options.logger?.info({ downMs }, 'postgres bus connected again');
    }
  }

  /** Send what is queued, in order, one statement at a time. */
  #flush(): void {
    const connection = this.#publisher.connection;
    if (this.#sending || this.#queue.length === 0 || !connection || this.#closed) return;
    const batch = this.#queue.splice(0, MAX_BATCH);
    this.#sending = true;
    // unnest yields the array in order, and pg_notify runs row by row: the notifications of
    // one statement keep the order they were published in.
    connection
      .query('SELECT pg_notify($1, m) FROM unnest($2::text[]) AS m', [
        this.#channel,
        batch.map((q) => q.message),
      ])
      .then(
        () => {
          for (const queued of batch) queued.resolve();
        },
        (error: unknown) => {
          if (!this.#closed) this.#publishFailures += batch.length;
          for (const queued of batch) queued.reject(asError(error));
        },
      )
      .finally(() => {
        this.#sending = false;
        this.#flush();
      });
  }

  #failQueued(error: unknown): void {
    const queued = this.#queue.splice(0);
    this.#publishFailures += queued.length;
    for (const q of queued) q.reject(asError(error));
  }

  /** A notification: `<origin>:<seq>:<channel length>:<channel><payload>`. */
  #received(message: string): void {
    const origin = message.indexOf(':');
    const seq = message.indexOf(':', origin + 1);
    const length = message.indexOf(':', seq + 1);
    if (origin < 0 || seq < 0 || length < 0) return;
    // Its own publishes reached this node's subscribers when they were made.
    if (message.slice(0, origin) === this.#origin) return;
    const end = length + 1 + Number(message.slice(seq + 1, length));
    this.#deliver(message.slice(length + 1, end), message.slice(end));
  }

  #deliver(channel: string, payload: string): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    // Asynchronously, as from the network, so publishers never depend on re-entrancy.
    const snapshot = [...handlers];
    queueMicrotask(() => {
      for (const handler of snapshot) handler(payload);
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
