import type { TurnScheduler } from '../../turn.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** What the queue asks of its storage around each batch. */
export interface WriteQueueHooks<E> {
  /** Before a batch, outside its transaction; throwing fails the whole batch (a closed storage). */
  beforeBatch(): void;
  /** A write failed alone and was rolled back: the effects it recorded will never apply. */
  discard(effects: readonly E[]): void;
  /** The batch's transaction ended, committed or not. */
  endTransaction(): void;
  /** An effect of a committed write, applied before any promise of the batch settles. */
  apply(effect: E): void;
  /** After each batch that committed. */
  afterCommit(): void;
}

/** A queued write and how to settle its promise. */
interface WriteOp<E> {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  ok: boolean;
  value: unknown;
  error: unknown;
  /** What the write did, to apply to memory once it is committed. */
  effects: E[] | null;
}

/** Thrown inside a batch to roll it back and rerun it with a savepoint per write. */
class BatchRetry extends Error {}

/**
 * Group commit on SQLite: the writes queued in one event-loop turn run in one transaction, each
 * atomic, and every promise settles after the commit, so nothing (a burned message's content
 * included) leaves before it is durable. A write records what it changed in memory-side state as
 * effects (`record`); they are applied only once its transaction committed.
 */
export class WriteQueue<E> {
  readonly #turn: TurnScheduler;
  readonly #hooks: WriteQueueHooks<E>;
  readonly #batch: (ops: WriteOp<E>[]) => void;
  #queue: WriteOp<E>[] = [];
  #scheduled = false;
  /** Effects of the write running now, or null outside one. */
  #effects: E[] | null = null;

  constructor(db: SqliteDatabase, turn: TurnScheduler, hooks: WriteQueueHooks<E>) {
    this.#turn = turn;
    this.#hooks = hooks;
    // In a transaction already, a wrapped function runs in a savepoint.
    const atomic = db.transaction((fn: () => unknown) => fn());
    const run = (ops: WriteOp<E>[], isolate: boolean): void => {
      for (const op of ops) {
        const effects: E[] = [];
        this.#effects = effects;
        try {
          op.value = isolate ? atomic(op.run) : op.run();
          op.ok = true;
          op.effects = effects;
        } catch (error) {
          // Without savepoints a failed write may have left half its work: undo the batch.
          if (!isolate) throw new BatchRetry();
          op.ok = false;
          op.error = error;
          this.#hooks.discard(effects);
        } finally {
          this.#effects = null;
        }
      }
    };
    // Writes almost never fail, so a batch first runs without a savepoint per write (they cost
    // more than the writes); if one fails, the whole transaction rolls back and the batch runs
    // again with a savepoint each, so that one failing write (a taken username) fails alone.
    const fast = db.transaction((ops: WriteOp<E>[]) => run(ops, false));
    const isolated = db.transaction((ops: WriteOp<E>[]) => run(ops, true));
    this.#batch = (ops) => {
      try {
        fast(ops);
      } catch (error) {
        if (!(error instanceof BatchRetry)) throw error;
        for (const op of ops) op.ok = false;
        this.#hooks.endTransaction();
        isolated(ops);
      }
    };
  }

  /** True inside a queued write (effects recorded now will be applied after its commit). */
  get inWrite(): boolean {
    return this.#effects !== null;
  }

  /** Record an effect of the write running now. Outside a write it is dropped. */
  record(effect: E): void {
    this.#effects?.push(effect);
  }

  /** Queue a write; it runs with the others queued in this turn, in one transaction. */
  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        run,
        resolve: resolve as (value: unknown) => void,
        reject,
        ok: false,
        value: undefined,
        error: undefined,
        effects: null,
      });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
        // Wake-ups and socket writes this commit causes go out in the same check phase.
        this.#turn.scheduleTurnEnd();
      }
    });
  }

  /** Run what is queued now (the storage calls this at close, before the last scrub). */
  flush(): void {
    this.#scheduled = false;
    const ops = this.#queue;
    if (ops.length === 0) return;
    this.#queue = [];
    try {
      this.#hooks.beforeBatch();
      this.#batch(ops);
    } catch (error) {
      // The commit itself failed: nothing of this batch happened.
      for (const op of ops) op.reject(error);
      return;
    } finally {
      this.#hooks.endTransaction();
    }
    // Committed: memory follows the database before anyone can be woken to read it.
    for (const op of ops) if (op.ok && op.effects) for (const e of op.effects) this.#hooks.apply(e);
    for (const op of ops) {
      if (op.ok) op.resolve(op.value);
      else op.reject(op.error);
    }
    this.#hooks.afterCommit();
  }
}
