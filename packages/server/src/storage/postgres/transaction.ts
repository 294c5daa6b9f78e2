import { type LogLockKeys, userLockKeys } from './log-locks.ts';
import type { PostgresPool, PostgresQueryable } from './postgres-pool.ts';

/** A transaction in progress. */
export interface Tx {
  q: PostgresQueryable['query'];
  /** Set when the transaction burned a message: its commit schedules a scrub. */
  burned: boolean;
}

/** SQLSTATEs after which the whole transaction can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 3;

/**
 * Run `fn` in one transaction (READ COMMITTED; the row and advisory locks give the guarantees)
 * on one connection. A deadlock or serialization failure rolls back and runs it again: the lock
 * order (log-locks.ts) makes them impossible by design, so this is a net, not a mechanism.
 */
export async function inTransaction<T>(
  pool: PostgresPool,
  fn: (tx: Tx) => Promise<T>,
): Promise<{ value: T; burned: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    const tx: Tx = { q: (text, values) => client.query(text, values), burned: false };
    try {
      await client.query('BEGIN');
      const value = await fn(tx);
      await client.query('COMMIT');
      return { value, burned: tx.burned };
    } catch (error) {
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

/** One event to append. */
export interface NewEvent {
  userId: string;
  kind: 'message' | 'receipt' | 'burned';
  messageId: string;
  conversation: string;
  originDevice: string | null;
  detail: string | null;
  byName: string | null;
  at: number;
}

/** Appends to the event log inside a transaction, in the order log-locks.ts describes. */
export class LogWriter {
  readonly #schema: string;
  readonly #locks: LogLockKeys;

  /** `schema` is quoted already. */
  constructor(schema: string, locks: LogLockKeys) {
    this.#schema = schema;
    this.#locks = locks;
  }

  /** Take the barrier and the log locks of these users. Before any seq. */
  async lock(tx: Tx, userIds: Iterable<string>): Promise<void> {
    await tx.q(`SELECT ${this.#schema}.lock_logs($1, $2, $3)`, [
      this.#locks.barrier,
      this.#locks.namespace,
      userLockKeys(userIds),
    ]);
  }

  /** Append events in this order. The caller holds the log locks of their users. */
  async append(tx: Tx, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const s = this.#schema;
    await tx.q(
      `INSERT INTO ${s}.events (seq, user_id, kind, message_id, conversation, origin_device, detail, by_name, at)
       SELECT nextval('${s}.event_seq'), t.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
         $5::text[], $6::text[], $7::text[], $8::bigint[]) AS t`,
      [
        events.map((e) => e.userId),
        events.map((e) => e.kind),
        events.map((e) => e.messageId),
        events.map((e) => e.conversation),
        events.map((e) => e.originDevice),
        events.map((e) => e.detail),
        events.map((e) => e.byName),
        events.map((e) => e.at),
      ],
    );
  }
}
