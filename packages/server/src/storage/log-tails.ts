import type { EventPage, LoggedEvent } from './storage.ts';

/** Events kept per user tail; older ones are read from the database (a device far behind). */
const TAIL_EVENTS = 128;
/** Users whose tails are kept; the oldest tail is dropped beyond this. */
const TAIL_USERS = 50_000;

/**
 * The recent part of one user's log, in memory: every retained event of the user with a seq
 * above `base`, in seq order, exactly as the log query would read them from the database.
 */
interface UserTail {
  base: number;
  events: LoggedEvent[];
}

/**
 * Log tails: live delivery reads a woken device's new events here instead of querying the log.
 * A tail starts when a read reaches the end of a user's log, and follows every committed append
 * from then on (the storage applies its writes' effects here after each commit). SQLite's writer
 * applies them in commit order; PostgreSQL's commits may be seen out of order, so its appends are
 * chained (`appendAfter`, see postgres/log-mirror.ts).
 */
export class LogTails {
  readonly #tails = new Map<string, UserTail>();

  has(userId: string): boolean {
    return this.#tails.has(userId);
  }

  /** Up to `limit` events after `after`, or null when the tail does not reach back that far. */
  page(userId: string, after: number, limit: number): EventPage | null {
    const tail = this.#tails.get(userId);
    if (!tail || after < tail.base) return null;
    const list = tail.events;
    let start = list.length;
    while (start > 0 && (list[start - 1]?.event.seq ?? 0) > after) start--;
    const available = list.length - start;
    const events = available === 0 ? [] : list.slice(start, start + limit);
    return { events, last: events.at(-1)?.event.seq ?? after, more: available > limit };
  }

  /**
   * A read after `base` reached the end of this user's log with `events` (none: the log ends at
   * `base`): later appends are mirrored from here on.
   */
  start(userId: string, base: number, events: readonly LoggedEvent[] = []): void {
    if (this.#tails.has(userId)) return;
    if (this.#tails.size >= TAIL_USERS) {
      const oldest = this.#tails.keys().next();
      if (!oldest.done) this.#tails.delete(oldest.value);
    }
    // A long page keeps its newest events; the tail then begins after the last one it leaves out.
    const cut = Math.max(0, events.length - TAIL_EVENTS);
    const from = cut > 0 ? (events[cut - 1]?.event.seq ?? base) : base;
    this.#tails.set(userId, { base: from, events: events.slice(cut) });
  }

  /**
   * Append `events` (in seq order) if the tail ends at `head`, the seq of the user's last event
   * before them as the database saw it (null: none); otherwise the tail missed or holds
   * something it should not, and is dropped (reads go to the database and start it again).
   */
  appendAfter(userId: string, head: number | null, events: readonly LoggedEvent[]): void {
    const tail = this.#tails.get(userId);
    if (!tail) return;
    if ((tail.events.at(-1)?.event.seq ?? tail.base) !== (head ?? 0)) {
      this.#tails.delete(userId);
      return;
    }
    for (const logged of events) this.append(userId, logged);
  }

  drop(userId: string): void {
    this.#tails.delete(userId);
  }

  append(userId: string, logged: LoggedEvent): void {
    const tail = this.#tails.get(userId);
    if (!tail) return;
    tail.events.push(logged);
    if (tail.events.length > TAIL_EVENTS) {
      // Forget the older half: reads after it go to the database.
      const dropped = tail.events.splice(0, TAIL_EVENTS / 2);
      tail.base = dropped.at(-1)?.event.seq ?? tail.base;
    }
  }

  /** A burned message's events leave the log with it, and so the tails. */
  unmessage(userIds: readonly string[], messageId: string): void {
    for (const userId of userIds) {
      const tail = this.#tails.get(userId);
      if (!tail) continue;
      const i = tail.events.findIndex((l) => l.event.kind === 'message' && l.event.message.id === messageId);
      if (i >= 0) tail.events.splice(i, 1);
    }
  }

  /** The log was pruned: every tail starts again from the database. */
  clear(): void {
    this.#tails.clear();
  }
}
