/** How often acked cursors are written. */
const CURSOR_FLUSH_MS = 1000;
/**
 * Acked cursors written per turn. Thousands of busy devices ack every 200 ms; written in one
 * transaction, their updates (a random page each) would hold the loop for tens of ms once a
 * second, and every request waiting in that second would carry it in its latency.
 */
const CURSOR_CHUNK = 256;

/**
 * Acks arrive several times a second per busy device and nothing reads the stored cursor on the
 * hot path, so they gather in memory and are written together once per `CURSOR_FLUSH_MS` (and at
 * close), `CURSOR_CHUNK` per turn. Losing the last second of acks in a crash only means resending
 * a few events, which clients drop by seq.
 */
export class CursorWriter {
  /** Writes one chunk (queued as one write of the storage). */
  readonly #write: (chunk: ReadonlyArray<readonly [string, number]>) => void;
  /** Acked cursors not written yet, by device. */
  readonly #cursors = new Map<string, number>();
  /** Cursors taken from `#cursors` for writing, a chunk per turn. */
  #backlog: Array<[string, number]> = [];
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(write: (chunk: ReadonlyArray<readonly [string, number]>) => void) {
    this.#write = write;
  }

  set(deviceId: string, cursor: number): void {
    const prior = this.#cursors.get(deviceId);
    if (prior === undefined || cursor > prior) this.#cursors.set(deviceId, cursor);
    if (!this.#timer && !this.#closed) {
      this.#timer = setTimeout(() => this.#writeAll(false), CURSOR_FLUSH_MS);
      this.#timer.unref();
    }
  }

  /** Write everything gathered at once and stop (the storage is closing). */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#writeAll(true);
    this.#closed = true;
  }

  #writeAll(all: boolean): void {
    this.#timer = null;
    if (this.#closed) return;
    for (const entry of this.#cursors) this.#backlog.push(entry);
    this.#cursors.clear();
    this.#writeChunk(all);
  }

  #writeChunk(all: boolean): void {
    if (this.#backlog.length === 0 || this.#closed) return;
    const chunk = this.#backlog.splice(0, all ? this.#backlog.length : CURSOR_CHUNK);
    this.#write(chunk);
    // The rest follows a turn later; a close writes whatever is left at once.
    if (this.#backlog.length > 0) setImmediate(() => this.#writeChunk(false));
  }
}
