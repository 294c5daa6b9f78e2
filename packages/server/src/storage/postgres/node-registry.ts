import { randomBytes, randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import { safeError } from '../../safe-error.ts';
import { hash32 } from './log-locks.ts';
import type { PostgresPool, PostgresPoolClient } from './postgres-pool.ts';

/** The logging the registry does: a conflict is an `error`, loud on purpose. */
export interface RegistryLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

/** Options of the node registry. */
export interface NodeRegistryOptions {
  pool: PostgresPool;
  /** Schema name (unquoted), for messages and the lock namespace. */
  schema: string;
  /** Qualified, quoted name of the `nodes` table. */
  table: string;
  /** Serialises registrations with migrations (the migrate lock of the schema). */
  migrateLock: number;
  /**
   * How this node reaches the others: `memory` (the in-process bus: this node must be alone on
   * the schema), `postgres` (LISTEN/NOTIFY on this database: every such node of the schema wakes
   * the others) or `redis:<prefix>` (nodes with the same value wake each other).
   */
  bus: string;
  /** This node's wake-ups carry the appended events (hub.ts), which nodes before them ignore. @default false */
  carries?: boolean;
  /** How often the node renews its row and looks at the others. @default 2000 */
  heartbeatMs?: number;
  /** A node not seen for this long counts as gone even if its session lingers. @default 10000 */
  ttlMs?: number;
  logger?: RegistryLogger;
}

/** Another live node this one cannot share the schema with. */
interface OtherNode {
  id: string;
  bus: string;
  carries: boolean;
  host: string;
  pid: number;
  age_s: number;
}

/** The error a node refusing to start throws: its message is the explanation printed to the operator. */
export class NodeConflictError extends Error {
  override readonly name = 'NodeConflictError';
}

/**
 * The server nodes sharing one PostgreSQL schema. Nodes that share a database must share a bus
 * (all the postgres bus, or all the same Redis and prefix) or they do not wake each other's devices: the database alone
 * cannot tell a node that another one stored a message for its connected users.
 *
 * Each node holds, on one connection of its own, a session advisory lock with a random key, and
 * a row in `nodes` (its key, bus, host, pid) renewed every `heartbeatMs`. Another node is live
 * while its lock is held (the session ends with its process, even on `kill -9`) and it was seen
 * within `ttlMs` (a session that lingers after its machine vanished stops renewing).
 *
 * At start, under the schema's migrate lock (so nodes starting together see each other), a node
 * that cannot share the schema with a live node refuses to start with `NodeConflictError`. A
 * running node that later sees such a node (one that started while this one was frozen, or an
 * older server version that does not register) logs it as an error every minute and reports
 * `conflict()` until it is gone, which `/healthz` turns into 503.
 */
export class NodeRegistry {
  readonly #options: NodeRegistryOptions;
  readonly #id = randomBytes(8).toString('hex');
  readonly #namespace: number;
  #key = randomInt(-0x80000000, 0x7fffffff);
  #client: PostgresPoolClient | null = null;
  #timer: NodeJS.Timeout | null = null;
  #beat: Promise<void> | null = null;
  #conflicts: OtherNode[] = [];
  /** Every other live node, as last seen, hears wake-ups that carry events. */
  #othersCarry = false;
  #loggedAt = 0;
  #closed = false;

  constructor(options: NodeRegistryOptions) {
    this.#options = options;
    this.#namespace = hash32(`cinder-node:${options.schema}`);
  }

  /** Another node shares the schema without a bus in common with this one. */
  conflict(): boolean {
    return this.#conflicts.length > 0;
  }

  /**
   * Wake-ups may carry events: this node and every other live node, as seen at the last heartbeat
   * (a node of an earlier version, which ignores them, turns them back into bare wake-ups).
   */
  carrying(): boolean {
    return (this.#options.carries ?? false) && this.#othersCarry;
  }

  /** Register, or throw `NodeConflictError` when a live node cannot share the schema with this one. */
  async register(): Promise<void> {
    const { table, migrateLock } = this.#options;
    const client = await this.#lockedClient();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [migrateLock]);
      const others = await this.#liveOthers(client);
      // Rows of nodes that are gone (killed, or closed without their goodbye) go with them.
      await client.query(`DELETE FROM ${table} WHERE id <> ALL($1::text[]) AND id <> $2`, [
        others.map((n) => n.id),
        this.#id,
      ]);
      const conflicts = others.filter((n) => !this.#compatible(n));
      this.#othersCarry = others.every((n) => n.carries);
      if (conflicts.length > 0) {
        await client.query('ROLLBACK');
        const why = this.#explain(conflicts, 'start');
        // In the log too (stderr gets the error's message): the log may be all an operator reads.
        this.#options.logger?.error({ nodes: conflicts.length }, why);
        throw new NodeConflictError(why);
      }
      await this.#upsert(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      this.#client = null;
      client.release(true);
      throw error;
    }
    this.#timer = setInterval(() => {
      this.#beat ??= this.#heartbeat().finally(() => {
        this.#beat = null;
      });
    }, this.#options.heartbeatMs ?? 2000);
    this.#timer.unref();
  }

  /** Stop renewing, remove this node's row and let its lock go. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beat;
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    try {
      await client.query(`DELETE FROM ${this.#options.table} WHERE id = $1`, [this.#id]);
      client.release();
    } catch {
      client.release(true);
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#closed) return;
    try {
      const client = this.#client ?? (await this.#lockedClient());
      await this.#upsert(client);
      const others = await this.#liveOthers(client);
      this.#othersCarry = others.every((n) => n.carries);
      this.#report(others.filter((n) => !this.#compatible(n)));
    } catch (error) {
      // The connection (and with it the lock) may be gone: the next beat takes a new one.
      this.#client?.release(true);
      this.#client = null;
      this.#options.logger?.warn({ err: safeError(error) }, 'node heartbeat failed');
    }
  }

  #report(conflicts: OtherNode[]): void {
    const { logger } = this.#options;
    const known = new Set(this.#conflicts.map((n) => n.id));
    const fresh = conflicts.some((n) => !known.has(n.id));
    const had = this.#conflicts.length > 0;
    this.#conflicts = conflicts;
    if (conflicts.length === 0) {
      if (had) logger?.info({}, 'no other node shares this database without a common bus any more');
      return;
    }
    const now = Date.now();
    if (fresh || now - this.#loggedAt >= 60_000) {
      this.#loggedAt = now;
      logger?.error({ nodes: conflicts.length }, this.#explain(conflicts, 'running'));
    }
  }

  /** A connection of this node's own, holding its advisory lock. */
  async #lockedClient(): Promise<PostgresPoolClient> {
    const client = await this.#options.pool.connect();
    try {
      for (let tries = 0; ; tries++) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
          this.#namespace,
          this.#key,
        ]);
        if (rows[0]?.ok) break;
        // Another node drew the same key: draw again.
        if (tries > 5) throw new Error('Could not take a node lock');
        this.#key = randomInt(-0x80000000, 0x7fffffff);
      }
    } catch (error) {
      client.release(true);
      throw error;
    }
    this.#client = client;
    return client;
  }

  async #upsert(client: PostgresPoolClient): Promise<void> {
    await client.query(
      `INSERT INTO ${this.#options.table} (id, lock_key, bus, host, pid, carries) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET seen_at = now(), lock_key = excluded.lock_key`,
      [this.#id, this.#key, this.#options.bus, hostname(), process.pid, this.#options.carries ?? false],
    );
  }

  /** Other nodes holding their lock and seen within the time to live. */
  async #liveOthers(client: PostgresPoolClient): Promise<OtherNode[]> {
    const { rows } = await client.query<OtherNode>(
      `SELECT n.id, n.bus, n.carries, n.host, n.pid, round(extract(epoch FROM now() - n.started_at))::integer AS age_s
       FROM ${this.#options.table} n
       WHERE n.id <> $1 AND n.seen_at > now() - make_interval(secs => $2)
         AND EXISTS (SELECT 1 FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid::bigint = $3 AND l.objid::bigint = (n.lock_key::bigint & 4294967295))`,
      [this.#id, (this.#options.ttlMs ?? 10_000) / 1000, this.#namespace >>> 0],
    );
    return rows;
  }

  #compatible(other: OtherNode): boolean {
    return this.#options.bus !== 'memory' && other.bus === this.#options.bus;
  }

  #explain(conflicts: readonly OtherNode[], when: 'start' | 'running'): string {
    const described = conflicts
      .map((n) => `pid ${n.pid} on ${n.host}, up ${n.age_s} s, with ${describeBus(n.bus, this.#options.bus)}`)
      .join('; ');
    const mine = `this node runs ${describeBus(this.#options.bus)}`;
    const head =
      when === 'start'
        ? `Another Cinder node uses this PostgreSQL database (schema "${this.#options.schema}"): ${described}.`
        : `Another Cinder node started on this PostgreSQL database (schema "${this.#options.schema}") and this node cannot reach it: ${described}.`;
    return `${head} Nodes that share a database must share a bus: all --bus postgres (the default on PostgreSQL without --redis-url), or all --bus redis with one Redis and one prefix; otherwise they do not deliver to each other (${mine}). ${
      when === 'start'
        ? 'Stop the other node, or start every node with the same bus.'
        : 'Stop one of them, or restart every node with the same bus; /healthz answers 503 until then.'
    }`;
  }
}

function describeBus(bus: string, mine?: string): string {
  if (bus === 'memory') return 'the in-process bus (--bus memory)';
  if (bus === 'postgres') return '--bus postgres';
  if (mine?.startsWith('redis:') && mine !== bus) return '--bus redis with another Redis prefix';
  return '--bus redis';
}
