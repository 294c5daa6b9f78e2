import { safeError } from '../../safe-error.ts';
import type { StorageLogger } from '../storage.ts';
import type { BurnContent } from './burn-content.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/**
 * How burned bytes leave the WAL: a burn schedules, `delayMs` later, a scrub of the burn content
 * generations burns touched (burn-content.ts), one per turn (a rewrite holds the loop for its
 * size), then `wal_checkpoint(TRUNCATE)`, which moves the zeroed pages into the database file and
 * empties the WAL. Burns meanwhile share the round; a close scrubs what is left itself.
 */
export class Checkpointer {
  readonly #db: SqliteDatabase;
  readonly #content: BurnContent;
  readonly #delayMs: number;
  readonly #logger: StorageLogger | undefined;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: {
    db: SqliteDatabase;
    content: BurnContent;
    delayMs: number;
    logger?: StorageLogger;
  }) {
    this.#db = options.db;
    this.#content = options.content;
    this.#delayMs = options.delayMs;
    this.#logger = options.logger;
  }

  /** A burn committed (or will, in this batch): scrub and checkpoint within `delayMs`. */
  schedule(): void {
    // Not a sliding debounce: under a steady stream of burns one still runs every delay.
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#scrubThenCheckpoint(this.#content.dirtyGenerations());
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Stop scheduling; the caller scrubs and checkpoints one last time itself. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #scrubThenCheckpoint(pending: number[]): void {
    if (this.#stopped) return;
    const next = pending.shift();
    if (next === undefined) {
      if (!checkpoint(this.#db, this.#logger)) this.schedule();
      return;
    }
    try {
      this.#content.scrubGeneration(next);
    } catch (error) {
      this.#logger?.warn({ err: safeError(error) }, 'burn content scrub failed');
      this.schedule();
      return;
    }
    setImmediate(() => this.#scrubThenCheckpoint(pending));
  }
}

/** Run `wal_checkpoint(TRUNCATE)`; false when a reader blocked it (retry later). */
export function checkpoint(db: SqliteDatabase, logger?: StorageLogger): boolean {
  try {
    const rows = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    const busy = rows[0]?.busy ?? 0;
    logger?.debug({ busy }, 'wal checkpoint');
    return busy === 0;
  } catch (error) {
    logger?.warn({ err: safeError(error) }, 'wal checkpoint failed');
    return false;
  }
}
