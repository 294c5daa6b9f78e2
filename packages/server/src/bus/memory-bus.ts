import type { Bus, Unsubscribe } from './bus.ts';

/** A bus inside one process: what a single node (the default, SQLite) needs. */
export class MemoryBus implements Bus {
  // One handler is held as is, several in an array (a channel per connected user: an idle
  // device's memory is mostly entries like these). The same function subscribed twice is two
  // subscriptions, and an unsubscribe removes one of them.
  readonly #channels = new Map<string, Handler | Handler[]>();
  #closed = false;

  async publish(channel: string, payload: string): Promise<void> {
    if (this.#closed) return;
    const held = this.#channels.get(channel);
    if (!held) return;
    // Deliver asynchronously, as a network bus would, so callers never depend on re-entrancy.
    if (typeof held === 'function') {
      queueMicrotask(() => held(payload));
      return;
    }
    const snapshot = [...held];
    queueMicrotask(() => {
      for (const handler of snapshot) handler(payload);
    });
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    if (this.#closed) throw new Error('Bus is closed');
    const held = this.#channels.get(channel);
    if (held === undefined) this.#channels.set(channel, handler);
    else if (typeof held === 'function') this.#channels.set(channel, [held, handler]);
    else held.push(handler);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      this.#remove(channel, handler);
    };
  }

  #remove(channel: string, handler: Handler): void {
    const held = this.#channels.get(channel);
    if (held === handler) {
      this.#channels.delete(channel);
      return;
    }
    if (!Array.isArray(held)) return;
    const i = held.indexOf(handler);
    if (i >= 0) held.splice(i, 1);
    if (held.length === 1) this.#channels.set(channel, held[0] as Handler);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
  }
}

type Handler = (payload: string) => void;
