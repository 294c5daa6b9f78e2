import type { MessageView } from '@cinder/protocol';
import { int } from '../rows.ts';
import { type LogLockKeys, userLockKeys } from './log-locks.ts';
import type { LogMirror } from './log-mirror.ts';
import type { PostgresPool, PostgresQueryable } from './postgres-pool.ts';

/** A transaction in progress. */
export interface Tx {
  q: PostgresQueryable['query'];
  /**
   * Set when the transaction deleted bytes a scrub must remove (burned content, upload chunks):
   * its commit schedules a scrub.
   */
  burned: boolean;
  /** Set once the transaction queued the scrub of `burn_contents` (one row per transaction). */
  contentsQueued: boolean;
  /** Events to append to the log, in order: written together just before the commit. */
  events: NewEvent[];
  /** The transaction deleted a prefix of the log (prune). */
  pruned: boolean;
  /**
   * Append the queued events and commit, sent right behind the statements already sent (the
   * connection pipelines them: no round trip between them). What the caller awaits with it must
   * be sent before it; a statement that fails rolls the whole transaction back. Called by
   * `inTransaction` when `fn` did not.
   */
  commit(): Promise<void>;
}

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 3;

/**
 * Run `fn` in one transaction (READ COMMITTED; the row and advisory locks give the guarantees)
 * on one connection, then append the events it queued (`tx.events`) and commit. The connection
 * pipelines: `BEGIN` goes out with `fn`'s first statement, the append with the `COMMIT`, so a
 * transaction waits for PostgreSQL only where `fn` needs an answer. A deadlock or serialization
 * failure rolls back and runs it again: the lock order (log-locks.ts) makes them impossible by
 * design, so this is a net, not a mechanism.
 */
export async function inTransaction<T>(
  pool: PostgresPool,
  fn: (tx: Tx) => Promise<T>,
  log?: LogWriter,
): Promise<{ value: T; burned: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    let committed: Promise<void> | null = null;
    const tx: Tx = {
      q: (text, values) => client.query(text, values),
      burned: false,
      contentsQueued: false,
      events: [],
      pruned: false,
      commit() {
        committed ??= finish(tx, client, log);
        // Awaited by inTransaction too, so a failure is never unhandled.
        committed.catch(() => {});
        return committed;
      },
    };
    // Not awaited: the first statement of `fn` goes out right behind it.
    const begun = client.query('BEGIN');
    try {
      const [, value] = await Promise.all([begun, fn(tx)]);
      await tx.commit();
      return { value, burned: tx.burned };
    } catch (error) {
      // Committed or not, the node cannot tell: what it mirrors of these logs starts over.
      log?.failed(tx);
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error('rollback failed');
      });
      const code = (error as { code?: unknown }).code;
      if (attempt < ATTEMPTS && typeof code === 'string' && RETRYABLE.has(code)) continue;
      throw error;
    } finally {
      client.release(broken ?? false);
    }
  }
}

/**
 * The end of a transaction: the queued events' append and the `COMMIT`, sent together. A
 * statement that failed before them turns the `COMMIT` into a rollback, an error here.
 */
async function finish(tx: Tx, client: PostgresQueryable, log: LogWriter | undefined): Promise<void> {
  if (tx.events.length > 0 && !log) throw new Error('Events queued in a transaction without a log writer');
  const appended = log?.append(tx, tx.events);
  const [added, result] = await Promise.all([appended, client.query('COMMIT')]);
  if (result.command !== undefined && result.command !== 'COMMIT') {
    throw new Error(`The transaction was rolled back (${result.command})`);
  }
  log?.committed(tx, added);
}

/** One event to append. */
export interface NewEvent {
  userId: string;
  kind: 'message' | 'receipt' | 'burned' | 'recalled';
  messageId: string;
  conversation: string;
  originDevice: string | null;
  detail: string | null;
  byName: string | null;
  at: number;
  /** A `message` event's view as the log query builds it, when the storage keeps log tails. */
  message?: MessageView;
}

/** What an append returns: the events' seqs, in order, and the heads asked for. */
export interface AppendResult {
  seqs: number[];
  /** Per user asked, the seq of their last event before this append (null: none). */
  heads: Map<string, number | null>;
}

/**
 * Appends to the event log inside a transaction, in the order log-locks.ts describes: the
 * barrier and the log locks of every user the events go to, then their seqs, in one statement
 * (`append_log`) at the end of the transaction. With a mirror (the node's log tails), it asks
 * for the heads of the users it appends to, and tells the mirror what each transaction did.
 */
export class LogWriter {
  readonly #schema: string;
  readonly #locks: LogLockKeys;
  readonly #mirror: LogMirror | null;

  /** `schema` is quoted already. */
  constructor(schema: string, locks: LogLockKeys, mirror: LogMirror | null = null) {
    this.#schema = schema;
    this.#locks = locks;
    this.#mirror = mirror;
  }

  /** Lock these events' logs and append them in this order. */
  async append(tx: Tx, events: readonly NewEvent[]): Promise<AppendResult | undefined> {
    if (events.length === 0) return undefined;
    const asked = this.#mirror ? [...new Set(events.map((e) => e.userId))] : [];
    const { rows } = await tx.q<{ seqs: string[] | null; heads: (string | null)[] | null }>(
      `SELECT seqs, heads FROM ${this.#schema}.append_log($1, $2, $3, $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[])`,
      [
        this.#locks.barrier,
        this.#locks.namespace,
        userLockKeys(events.map((e) => e.userId)),
        events.map((e) => e.userId),
        events.map((e) => e.kind),
        events.map((e) => e.messageId),
        events.map((e) => e.conversation),
        events.map((e) => e.originDevice),
        events.map((e) => e.detail),
        events.map((e) => e.byName),
        events.map((e) => e.at),
        asked,
      ],
    );
    const row = rows[0];
    const heads = new Map<string, number | null>();
    asked.forEach((userId, i) => {
      const head = row?.heads?.[i];
      heads.set(userId, head === null || head === undefined ? null : int(head));
    });
    return { seqs: (row?.seqs ?? []).map(int), heads };
  }

  /** The transaction committed (`added`: what its append returned). */
  committed(tx: Tx, added: AppendResult | undefined): void {
    this.#mirror?.committed(tx, added);
  }

  /** The transaction failed, at whatever point: it may or may not have committed. */
  failed(tx: Tx): void {
    this.#mirror?.failed(tx);
  }
}
