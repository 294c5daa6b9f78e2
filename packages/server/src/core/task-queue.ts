/**
 * Runs queued tasks, at most `concurrency` at once, holding at most `maxQueued` waiting ones: work
 * kept off a request's path (the pushes of a message) that must neither grow without bound nor
 * delay anything. `add` never throws and never waits; a task past the bound is refused (false),
 * and so is every one after `close`.
 */
export class TaskQueue {
  readonly #concurrency: number;
  readonly #maxQueued: number;
  readonly #waiting: Array<() => Promise<void>> = [];
  readonly #running = new Set<Promise<void>>();
  readonly #onError: (error: unknown) => void;
  #closed = false;

  /** `onError` hears what a task threw (tasks should handle their own errors: this is the last word). */
  constructor(options: { concurrency: number; maxQueued: number }, onError: (error: unknown) => void) {
    this.#onError = onError;
    this.#concurrency = options.concurrency;
    this.#maxQueued = options.maxQueued;
  }

  /** Queue `task`; false (and it never runs) when the queue is full or closed. */
  add(task: () => Promise<void>): boolean {
    if (this.#closed || this.#waiting.length >= this.#maxQueued) return false;
    this.#waiting.push(task);
    this.#next();
    return true;
  }

  /** Tasks waiting, not yet started. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Refuse new tasks, drop the waiting ones (how many is returned) and wait for the running ones. */
  async close(): Promise<number> {
    this.#closed = true;
    const dropped = this.#waiting.splice(0).length;
    await Promise.allSettled([...this.#running]);
    return dropped;
  }

  #next(): void {
    while (this.#running.size < this.#concurrency) {
      const task = this.#waiting.shift();
      if (!task) return;
      const run: Promise<void> = Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.#onError(error))
        .finally(() => {
          this.#running.delete(run);
          this.#next();
        });
      this.#running.add(run);
    }
  }
}
