/**
 * Runs async tasks one at a time, in the order they were queued. Every change to the local store
 * goes through one of these, so events are applied in order, each fully, and an API call (open,
 * revoke) never interleaves with an event about the same message.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Queue `task`; resolves or rejects with its outcome. A failed task does not stop later ones. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => {});
    return result;
  }

  /** Resolves once every task queued so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => {});
  }
}
