import { safeError } from '../../safe-error.ts';
import type { StorageLogger } from '../storage.ts';
import type { PostgresPool, PostgresPoolClient } from './postgres-pool.ts';

/**
 * What the server does to the tables that held burned bytes (`burn_contents`, and
 * `upload_chunks` for blobs and cancelled or expired uploads), so deleted bytes leave the tables'
 * files. Each table is scrubbed on its own:
 * - `rewrite`: `VACUUM FULL` (a new file holding only live rows; the old one is truncated at
 *   commit). Burned bytes leave the heap at once, but it locks the table while it copies.
 * - `vacuum`: plain `VACUUM`, which does not block. It frees dead rows, and the page compaction
 *   usually overwrites their bytes, but not always: a row that was the newest on its page stays
 *   in the page's free space until a later row lands on it.
 * - `auto`: `rewrite` while the table (with its TOAST and indexes) is at most `rewriteMaxBytes`,
 *   `vacuum` above; measured per table.
 * - `off`: leave it to autovacuum.
 * Neither reaches the write-ahead log: see docs/postgres.md.
 */
export type ScrubMode = 'auto' | 'rewrite' | 'vacuum' | 'off';

/** Options of the scrubber. */
export interface ScrubberOptions {
  pool: PostgresPool;
  /**
   * The tables to scrub, in this order: each one's qualified, quoted `name`, and the boolean
   * column of `queue` (`flag`) that a delete which left dead rows in it sets.
   */
  tables: readonly ScrubTable[];
  /**
   * Qualified, quoted name of the table of pending scrubs (rows written by the transactions that
   * burned content or deleted upload chunks, saying which tables). A run scrubs the tables the
   * rows it saw name, then deletes those rows.
   */
  queue: string;
  /** @default 'auto' */
  mode?: ScrubMode;
  /** Delay between a burn and the scrub it triggers; burns in the meantime share it. @default 1000 */
  delayMs?: number;
  /** Largest table (with its TOAST and indexes) that `auto` rewrites, per table. @default 16 MiB */
  rewriteMaxBytes?: number;
  /** How long a rewrite waits for its lock before giving up until the next run. @default 250 */
  lockTimeoutMs?: number;
  /**
   * How often this node looks for scrubs that some node (another one, or this one before a
   * crash) left pending longer than `2 × delayMs`, and runs them. @default 2000
   */
  checkEveryMs?: number;
  logger?: StorageLogger;
}

/** A table the scrubber cleans, and the column of the queue that asks for it. */
export interface ScrubTable {
  name: string;
  /** A boolean column of the queue, a plain identifier. */
  flag: string;
}

/** Most pending-scrub rows one run clears; more make it run again. */
const QUEUE_BATCH = 10_000;

/**
 * Runs the scrub after burns (and deletes of upload chunks): debounced (one run serves every
 * delete committed before it starts), never overlapping, and again after a run if more came in
 * while it ran. A rewrite that cannot get its lock quickly gives up rather than queue every burn
 * behind it, and retries later. A run scrubs every table even when one of them fails, so a busy
 * table does not hold back the others; the pending rows stay until a run scrubbed them all. A
 * run scrubs only the tables its rows name (a text burn does not rewrite `upload_chunks`), and
 * every table when it saw none (at startup, or when another node's run took them).
 *
 * What is pending is durable: each such transaction adds a row to `queue`, and a run deletes the
 * rows it read before it scrubbed, only once the scrub succeeded. So a burn whose node was killed
 * before its scrub is still pending in the database, and every node's periodic check
 * (`checkEveryMs`) finishes it once it is older than twice the delay its own node would take.
 */
export class Scrubber {
  readonly #options: ScrubberOptions;
  readonly #mode: ScrubMode;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #pending = false;
  #closed = false;
  #check: NodeJS.Timeout | null = null;

  constructor(options: ScrubberOptions) {
    this.#options = options;
    this.#mode = options.mode ?? 'auto';
  }

  /** Look for scrubs left pending (by any node) every `checkEveryMs`, until closed. */
  start(): void {
    if (this.#mode === 'off' || this.#closed || this.#check) return;
    this.#check = setInterval(() => void this.#adopt(), this.#options.checkEveryMs ?? 2000);
    this.#check.unref();
  }

  /** A burn (or a delete of an upload's chunks) committed: scrub within `delayMs`. */
  schedule(): void {
    if (this.#mode === 'off' || this.#closed) return;
    this.#pending = true;
    if (this.#timer || this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.run();
    }, this.#options.delayMs ?? 1000);
    this.#timer.unref();
  }

  /**
   * Scrub now (startup, tests); waits for a run in progress first. `lockTimeoutMs` overrides the
   * option for this run: at startup nothing is served yet, so waiting longer costs nobody.
   */
  async run(lockTimeoutMs?: number): Promise<void> {
    if (this.#mode === 'off') return;
    while (this.#running) await this.#running;
    this.#pending = false;
    this.#running = this.#scrub(lockTimeoutMs).finally(() => {
      this.#running = null;
      if (this.#pending) {
        this.#pending = false;
        this.schedule();
      }
    });
    await this.#running;
  }

  /** Stop scheduling; run once more if a burn is still waiting for its scrub. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#check) clearInterval(this.#check);
    this.#check = null;
    const pending = this.#pending;
    this.#closed = true;
    while (this.#running) await this.#running;
    if (pending) await this.#scrub();
  }

  /** The periodic check: run when a pending scrub is older than a live node would leave it. */
  async #adopt(): Promise<void> {
    if (this.#closed || this.#running || this.#timer) return;
    const { pool, queue, logger } = this.#options;
    const graceSeconds = (2 * (this.#options.delayMs ?? 1000)) / 1000;
    try {
      const { rows } = await pool.query<{ due: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${queue} WHERE at < now() - make_interval(secs => $1)) AS due`,
        [graceSeconds],
      );
      if (!rows[0]?.due || this.#closed || this.#running) return;
      logger?.debug({}, 'finishing a scrub left pending');
      await this.run();
    } catch (error) {
      // After close the pool may be gone under a check in flight: nothing is lost, it is pending.
      if (!this.#closed) logger?.warn({ err: safeError(error) }, 'pending scrub check failed');
    }
  }

  async #scrub(lockTimeoutMs = this.#options.lockTimeoutMs ?? 250): Promise<void> {
    const { pool, tables, queue, logger } = this.#options;
    let client: PostgresPoolClient | null = null;
    let failed = false;
    try {
      client = await pool.connect();
      // Read before the scrub: every row seen here belongs to a committed delete whose dead rows
      // the scrub below removes. Rows committed meanwhile stay for the next run.
      const seen = await client.query<Record<string, boolean> & { id: string }>(
        `SELECT id, ${tables.map((t) => t.flag).join(', ')} FROM ${queue} ORDER BY id LIMIT $1`,
        [QUEUE_BATCH],
      );
      const asked = (table: ScrubTable) =>
        seen.rows.length === 0 || seen.rows.some((row) => row[table.flag] === true);
      for (const table of tables.filter(asked)) {
        if (!(await this.#scrubTable(client, table.name, lockTimeoutMs))) failed = true;
      }
      if (failed) return;
      if (seen.rows.length > 0) {
        await client.query(`DELETE FROM ${queue} WHERE id = ANY($1::bigint[])`, [
          seen.rows.map((row) => row.id),
        ]);
      }
      if (seen.rows.length === QUEUE_BATCH && !this.#closed) this.#pending = true;
    } catch (error) {
      failed = true;
      logger?.warn({ err: safeError(error) }, 'scrub failed');
    } finally {
      // After a failure the session may be in any state (or broken): do not reuse it.
      client?.release(failed);
    }
  }

  /** Rewrite or vacuum one table; false when that failed (logged, and retried if it was the lock). */
  async #scrubTable(client: PostgresPoolClient, table: string, lockTimeoutMs: number): Promise<boolean> {
    const logger = this.#options.logger;
    const started = performance.now();
    let mode: 'rewrite' | 'vacuum' = 'vacuum';
    try {
      mode = await this.#pick(client, table);
      if (mode === 'rewrite') {
        // VACUUM runs outside a transaction, so the timeout is set on the session and reset.
        await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
        try {
          await client.query(`VACUUM FULL ${table}`);
        } finally {
          await client.query('RESET lock_timeout');
        }
      } else {
        await client.query(`VACUUM ${table}`);
      }
      logger?.debug({ table, mode, ms: Math.round(performance.now() - started) }, 'table scrubbed');
      return true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // 55P03: the rewrite could not get its lock in time (busy table); try again later.
      if (code === '55P03' && !this.#closed) this.#pending = true;
      logger?.warn({ table, mode, err: safeError(error) }, 'table scrub failed');
      return false;
    }
  }

  async #pick(client: PostgresPoolClient, table: string): Promise<'rewrite' | 'vacuum'> {
    if (this.#mode === 'rewrite' || this.#mode === 'vacuum') return this.#mode;
    const { rows } = await client.query<{ bytes: string }>(
      'SELECT pg_total_relation_size($1::regclass) AS bytes',
      [table],
    );
    const bytes = Number(rows[0]?.bytes ?? 0);
    return bytes <= (this.#options.rewriteMaxBytes ?? 16 * 1024 * 1024) ? 'rewrite' : 'vacuum';
  }
}
