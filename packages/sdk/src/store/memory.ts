import type { Identity, PeerKeys, PendingSend, StoredMessage, StoredTombstone } from '../types.ts';
import { StoreState } from './state.ts';
import type { Store, StoreChanges } from './store.ts';

/**
 * A store that lives as long as the process: the default in Node.js. Nothing survives a
 * restart, so `connect()` after one needs `login` again.
 */
export class MemoryStore implements Store {
  readonly #state = new StoreState();

  async getIdentity(): Promise<Identity | null> {
    return this.#state.getIdentity();
  }

  async getCursor(): Promise<number | null> {
    return this.#state.cursor;
  }

  async getMessage(id: string): Promise<StoredMessage | undefined> {
    return this.#state.getMessage(id);
  }

  async listMessages(conversation?: string): Promise<StoredMessage[]> {
    return this.#state.listMessages(conversation);
  }

  async getTombstone(id: string): Promise<StoredTombstone | undefined> {
    return this.#state.getTombstone(id);
  }

  async listTombstones(conversation?: string): Promise<StoredTombstone[]> {
    return this.#state.listTombstones(conversation);
  }

  async getPeer(username: string): Promise<PeerKeys | undefined> {
    return this.#state.getPeer(username);
  }

  async listOutbox(): Promise<PendingSend[]> {
    return this.#state.listOutbox();
  }

  async commit(changes: StoreChanges): Promise<void> {
    this.#state.apply(changes);
  }

  async clear(): Promise<void> {
    this.#state.clear();
  }

  async close(): Promise<void> {}
}
