import { LogTails } from '../log-tails.ts';
import { markEventOf } from '../rows.ts';
import type { Appended, EventPage, LogFeed, LoggedEvent } from '../storage.ts';
import type { AppendResult, NewEvent, Tx } from './transaction.ts';

/** Reads of one user's log in flight, and whether a commit touched that log meanwhile. */
interface Reading {
  readers: number;
  touched: boolean;
}

/**
 * The log tails of a PostgreSQL node: live delivery reads a woken device's new events from
 * memory, as on SQLite, instead of a statement per wake-up.
 *
 * On SQLite the one writer applies its commits to the tails in commit order. Here commits come
 * back on several connections, and a node may see them in another order than PostgreSQL made
 * them; so every append is chained: `append_log` returns, under the user's log lock, the seq of
 * the user's last event before it (the head), and the tail takes the append only if it ends at
 * that head. Any other tail (one that missed a commit, or already holds one) is dropped, and the
 * next read starts it again from the database. A tail starts only from a read during which no
 * commit of that user's log was seen (a commit seen while the read ran may be in the read or not).
 * What a failed transaction did is unknown: its users' tails are dropped. So a tail holds every
 * committed event of its user after its base, and nothing else, or it does not exist.
 *
 * A node alone on its schema (the in-process bus) sees every append. The nodes of a cluster see
 * each other's through the bus (`LogFeed`: the hub carries each commit's events and heads with
 * its wake-up, and chains what it hears the same way); a tail is kept only for a user whose
 * wake-ups the node hears, and a bare wake-up (an append that could not be carried) drops it.
 */
export class LogMirror implements LogFeed {
  readonly #tails = new LogTails();
  readonly #reading = new Map<string, Reading>();
  #listener: ((userId: string, appended: Appended | null) => void) | null = null;
  #hears: (userId: string) => boolean = () => true;
  #carrying: () => boolean = () => true;

  /**
   * A page of `userId`'s log after `after`: from the tail, or from `read` (the database), which
   * starts the tail when it reached the end of the log.
   */
  async read(
    userId: string,
    after: number,
    limit: number,
    read: () => Promise<EventPage>,
  ): Promise<EventPage> {
    const fromTail = this.#tails.page(userId, after, limit);
    if (fromTail) return fromTail;
    let reading = this.#reading.get(userId);
    if (!reading) {
      reading = { readers: 0, touched: false };
      this.#reading.set(userId, reading);
    }
    reading.readers++;
    try {
      const page = await read();
      if (!page.more && !reading.touched && this.#hears(userId))
        this.#tails.start(userId, after, page.events);
      return page;
    } finally {
      if (--reading.readers === 0) this.#reading.delete(userId);
    }
  }

  /** A transaction committed: what it did to the logs, after its append (`added`). */
  committed(tx: Tx, added: AppendResult | undefined): void {
    if (tx.pruned) this.#clear();
    if (!added) return;
    const byUser = new Map<string, LoggedEvent[] | null>();
    tx.events.forEach((event, i) => {
      const seq = added.seqs[i];
      const logged = seq === undefined ? null : loggedOf(event, seq);
      const list = byUser.get(event.userId);
      // An event the node cannot mirror (no seq or view): null makes the tail go.
      if (!logged) byUser.set(event.userId, null);
      else if (list === undefined) byUser.set(event.userId, [logged]);
      else list?.push(logged);
    });
    for (const [userId, events] of byUser) {
      const head = added.heads.get(userId);
      if (events === null || head === undefined) {
        this.#drop(userId);
        this.#listener?.(userId, null);
        continue;
      }
      this.#chain(userId, head, events);
      this.#listener?.(userId, carriable(events) && this.#carrying() ? { head, events } : null);
    }
  }

  /** A transaction failed, before or after its commit: its logs start over from the database. */
  failed(tx: Tx): void {
    if (tx.pruned) this.#clear();
    for (const userId of new Set(tx.events.map((event) => event.userId))) {
      this.#drop(userId);
      this.#listener?.(userId, null);
    }
  }

  onAppend(listener: (userId: string, appended: Appended | null) => void): void {
    this.#listener = listener;
  }

  hearsOnly(hears: (userId: string) => boolean): void {
    this.#hears = hears;
  }

  /** Hand appends to the listener only while `carrying` (every node of the cluster hears them). */
  carryWhile(carrying: () => boolean): void {
    this.#carrying = carrying;
  }

  remote(userId: string, { head, events }: Appended): void {
    this.#chain(userId, head, events);
  }

  /**
   * One user's append, this node's or another's, into the tail. A `burned` (or `recalled`) event
   * says its burn (or recall) deleted the message's queued `message` event before the append (the head was read without
   * it): that goes first.
   */
  #chain(userId: string, head: number | null, events: readonly LoggedEvent[]): void {
    this.#touch(userId);
    for (const { event } of events) {
      if (event.kind === 'burned' || event.kind === 'recalled')
        this.#tails.unmessage([userId], event.messageId);
    }
    this.#tails.appendAfter(userId, head, events);
  }

  lost(userId: string): void {
    this.#drop(userId);
  }

  reset(): void {
    this.#clear();
  }

  #drop(userId: string): void {
    this.#tails.drop(userId);
    this.#touch(userId);
  }

  #touch(userId: string): void {
    const reading = this.#reading.get(userId);
    if (reading) reading.touched = true;
  }

  #clear(): void {
    this.#tails.clear();
    for (const reading of this.#reading.values()) reading.touched = true;
  }
}

/**
 * Whether other nodes may hear these events over the bus: none is a normal message (its text,
 * ext and attachment name travel only between the database and the devices, as before).
 */
function carriable(events: readonly LoggedEvent[]): boolean {
  return events.every(({ event }) => event.kind !== 'message' || event.message.burn !== undefined);
}

/**
 * An appended event as the log query reads it back (rows.ts `eventOf`); null for a `message`
 * event queued without its view.
 */
function loggedOf(e: NewEvent, seq: number): LoggedEvent | null {
  if (e.kind === 'message') {
    return e.message
      ? { event: { kind: 'message', seq, message: e.message }, originDevice: e.originDevice }
      : null;
  }
  const event = markEventOf(e.kind, seq, e.messageId, e.conversation, e.detail, e.byName, e.at);
  return { event, originDevice: e.originDevice };
}
