/** Handler of an event whose arguments are `Args`. */
export type Handler<Args extends unknown[]> = (...args: Args) => void;

/**
 * A small typed event emitter. `Events` maps each event name to its argument tuple.
 * A handler that throws does not stop the others nor the SDK's own work: its error is rethrown
 * on a fresh task, where the host reports it (console, `uncaughtException`).
 */
export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  readonly #handlers = new Map<keyof Events, Set<Handler<never>>>();

  /** Add `handler` for `event`. Returns a function that removes it. */
  on<K extends keyof Events>(event: K, handler: Handler<Events[K]>): () => void {
    let set = this.#handlers.get(event);
    if (!set) {
      set = new Set();
      this.#handlers.set(event, set);
    }
    set.add(handler as Handler<never>);
    return () => this.off(event, handler);
  }

  /** Remove `handler` from `event`. */
  off<K extends keyof Events>(event: K, handler: Handler<Events[K]>): void {
    this.#handlers.get(event)?.delete(handler as Handler<never>);
  }

  /** Call every handler of `event` in the order they were added. */
  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.#handlers.get(event);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as Handler<Events[K]>)(...args);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }

  /** Whether `event` has at least one handler. */
  has(event: keyof Events): boolean {
    return (this.#handlers.get(event)?.size ?? 0) > 0;
  }
}
