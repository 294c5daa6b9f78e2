/** Options of a `Batcher`. */
export interface BatcherOptions<I, O> {
  /**
   * Run one batch: one result per item, in the items' order. Throwing fails the batch; a batch
   * of more than one item then runs again one item at a time, so only the item that caused the
   * failure gets it.
   */
  run(items: readonly I[]): Promise<O[]>;
  /** Batches running at once; items that arrive meanwhile wait and form the next batch. */
  concurrency: number;
  /** Most items in one batch. */
  maxItems: number;
  /** Items with equal keys never share a batch (the later one waits for the next). */
  keyOf?: (item: I) => string;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for PostgreSQL: the calls made in one event-loop turn, and those made while
 * earlier batches are still running, run together as one batch (one transaction and a few
 * multi-row statements instead of a transaction each). Every call settles when its batch has
 * committed, so nothing leaves before it is durable; a call's result is the same as if it had
 * run alone after the calls queued before it.
 */
export class Batcher<I, O> {
  readonly #options: BatcherOptions<I, O>;
  #queue: Pending<I, O>[] = [];
  #running = 0;
  #scheduled = false;

  constructor(options: BatcherOptions<I, O>) {
    this.#options = options;
  }

  /** Queue `item`; resolves with its result once its batch committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#running >= this.#options.concurrency) return;
    this.#scheduled = true;
    // The end of this turn: calls made by the other frames of the turn join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#running < this.#options.concurrency) {
      const batch = this.#take();
      this.#running++;
      void this.#run(batch).finally(() => {
        this.#running--;
        this.#schedule();
      });
    }
  }

  /** The next batch: up to `maxItems` from the queue's front, no two with one key. */
  #take(): Pending<I, O>[] {
    const keyOf = this.#options.keyOf;
    const max = this.#options.maxItems;
    if (!keyOf) return this.#queue.splice(0, max);
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const keys = new Set<string>();
    for (const pending of this.#queue) {
      const key = keyOf(pending.item);
      // Once one item waits, every later item waits too: items never overtake each other.
      if (batch.length < max && rest.length === 0 && !keys.has(key)) {
        keys.add(key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.#queue = rest;
    return batch;
  }

  async #run(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.#options.run(batch.map((p) => p.item));
      for (const [i, p] of batch.entries()) p.resolve(results[i] as O);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One at a time, in order: the item that failed the batch fails alone.
      for (const p of batch) {
        try {
          const [result] = await this.#options.run([p.item]);
          p.resolve(result as O);
        } catch (alone) {
          p.reject(alone);
        }
      }
    }
  }
}
