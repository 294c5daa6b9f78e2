/**
 * How appends to the event log are ordered when several transactions (on several nodes) append
 * at once. Seqs come from one global sequence, so devices keep the single-number cursor the
 * protocol uses. Two hazards follow, and each has a lock:
 *
 * 1. Per-user order. Transaction A takes seq 10 for Bob, B takes seq 11 for Bob, B commits
 *    first: a device that reads Bob's log now sees 11, moves its cursor past 10 and never sees
 *    10. So every transaction takes an exclusive advisory lock per user whose log it appends to,
 *    then takes its seqs, and holds the locks until it commits: Bob's appends run one at a time,
 *    and a later seq of Bob's is never visible before an earlier one. Advisory locks rather than
 *    `SELECT ... FOR UPDATE` on the users' rows because they need no row (and write no WAL);
 *    keys are taken in sorted order so two transactions never wait on each other in a cycle.
 *
 * 2. A safe head. A device with no cursor resyncs: it gets the live messages and then the log
 *    after `logBounds().head`. A seq at or below that head taken by a transaction not yet
 *    committed would be skipped the same way. So appenders also hold a shared "barrier" lock
 *    from before their first seq until commit, and `logBounds` reads the sequence and then takes
 *    the barrier exclusively for an instant: when it gets it, every seq it read is settled
 *    (committed or rolled back). The cost is a wait of about one append per resync; appends
 *    never wait for each other on the barrier.
 *
 * Lock order (deadlock freedom): send keys (sorted) → message rows (sorted) → `burn_contents`
 * and receipt keys → barrier → user keys (sorted) → seqs. Every transaction, a batch of many
 * verbs included, takes its locks in that order (the barrier and user keys last, in one
 * `append_log` just before its commit), so waits only ever point forward in it and no cycle
 * can form, the scrubber's table rewrite included.
 */

/** FNV-1a over the UTF-16 code units, as a signed 32-bit integer (PostgreSQL `integer`). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The advisory lock keys of one Cinder schema: nodes sharing the schema share the locks. */
export interface LogLockKeys {
  /** The barrier (one-key `bigint` form, a lock space apart from the two-key form). */
  barrier: number;
  /** First key of every per-user lock (two-key form). */
  namespace: number;
  /** Serialises migrations of this schema. */
  migrate: number;
}

/** Keys for a schema name. */
export function logLockKeys(schema: string): LogLockKeys {
  const namespace = hash32(`cinder:${schema}`);
  return { barrier: namespace, namespace, migrate: hash32(`cinder-migrate:${schema}`) };
}

/**
 * The sorted, distinct lock keys of these users' logs. Two users whose ids hash alike share a
 * lock: their appends are serialised together, which is slower, never wrong.
 */
export function userLockKeys(userIds: Iterable<string>): number[] {
  return [...new Set([...userIds].map(hash32))].sort((a, b) => a - b);
}
