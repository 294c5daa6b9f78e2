import type { Bus, Unsubscribe } from './bus.ts';

/** A bus inside one process: what a single node (the default, SQLite) needs. */
export class MemoryBus implements Bus {
  readonly #channels = new Map<string, Set<(payload: string) => void>>();
  #closed = false;

  async publish(channel: string, payload: string): Promise<void> {
    if (this.#closed) return;
    const handlers = this.#channels.get(channel);
    if (!handlers) return;
    // Deliver asynchronously, as a network bus would, so callers never depend on re-entrancy.
    const snapshot = [...handlers];
    queueMicrotask(() => {
      for (const handler of snapshot) handler(payload);
    });
  }

  async subscribe(channel: string, handler: (payload: string) => void): Promise<Unsubscribe> {
    if (this.#closed) throw new Error('Bus is closed');
    // Wrap so the same function subscribed twice is two subscriptions.
    const entry = (payload: string) => handler(payload);
    let handlers = this.#channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#channels.set(channel, handlers);
    }
    handlers.add(entry);
    return async () => {
      const set = this.#channels.get(channel);
      if (!set) return;
      set.delete(entry);
      if (set.size === 0) this.#channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
  }
}
