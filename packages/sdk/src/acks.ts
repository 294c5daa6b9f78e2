import type { Connection } from './connection.ts';

/** Delivered receipts wait this long so a burst of messages goes out as one frame. */
const DELIVERED_DELAY_MS = 50;
/** Acks wait this long: the cursor of a busy stream is acknowledged a few times a second at most. */
const ACK_DELAY_MS = 200;
/** Most ids one `delivered` frame may carry (protocol limit). */
const MAX_DELIVERED_IDS = 500;

/**
 * Batches `delivered` receipts and debounces `ack`s. Both are best effort: a receipt survives a
 * reconnect (the server ignores duplicates) but not `close()`; a lost ack only means the server
 * knows this device's progress a little later (the next hello carries the cursor anyway).
 */
export class Acks {
  readonly #connection: Connection;
  readonly #cursor: () => number | null;
  readonly #timeoutMs: number;
  readonly #delivered = new Set<string>();
  #deliveredTimer: ReturnType<typeof setTimeout> | null = null;
  #ackTimer: ReturnType<typeof setTimeout> | null = null;
  #acked: number | null = null;

  constructor(connection: Connection, cursor: () => number | null, timeoutMs: number) {
    this.#connection = connection;
    this.#cursor = cursor;
    this.#timeoutMs = timeoutMs;
  }

  /** This device stored these received messages. */
  delivered(ids: readonly string[]): void {
    for (const id of ids) this.#delivered.add(id);
    if (this.#delivered.size > 0)
      this.#deliveredTimer ??= setTimeout(() => this.#flushDelivered(), DELIVERED_DELAY_MS);
  }

  /**
   * Send the queued delivered receipts now. Called before `read`/`open`: a message is received
   * before it is read, and the sender should hear it in that order.
   */
  flushDelivered(): void {
    if (this.#deliveredTimer) clearTimeout(this.#deliveredTimer);
    this.#flushDelivered();
  }

  /** The cursor moved: acknowledge it soon. */
  cursorMoved(): void {
    this.#ackTimer ??= setTimeout(() => this.#flushAck(), ACK_DELAY_MS);
  }

  /** Forget everything pending (close, sign-out). */
  stop(): void {
    if (this.#deliveredTimer) clearTimeout(this.#deliveredTimer);
    if (this.#ackTimer) clearTimeout(this.#ackTimer);
    this.#deliveredTimer = null;
    this.#ackTimer = null;
    this.#delivered.clear();
    this.#acked = null;
  }

  #flushDelivered(): void {
    this.#deliveredTimer = null;
    if (this.#delivered.size === 0) return;
    const ids = [...this.#delivered];
    this.#delivered.clear();
    for (let i = 0; i < ids.length; i += MAX_DELIVERED_IDS) {
      this.#connection
        .request(
          { type: 'delivered', ids: ids.slice(i, i + MAX_DELIVERED_IDS) },
          { timeoutMs: this.#timeoutMs, retry: true },
        )
        .catch(() => {});
    }
  }

  #flushAck(): void {
    this.#ackTimer = null;
    const cursor = this.#cursor();
    if (cursor === null || cursor === this.#acked || !this.#connection.ready) return;
    this.#acked = cursor;
    this.#connection.request({ type: 'ack', cursor }, { timeoutMs: this.#timeoutMs }).catch(() => {
      if (this.#acked === cursor) this.#acked = null;
    });
  }
}
