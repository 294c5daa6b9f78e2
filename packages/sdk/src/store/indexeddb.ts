import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { Identity, PeerKeys, PendingSend, StoredMessage, StoredTombstone } from '../types.ts';
import {
  byMessageOrder,
  byOutboxOrder,
  byTombstoneOrder,
  type Store,
  type StoreChanges,
  sealIfReceivedBurn,
} from './store.ts';

interface CinderDb extends DBSchema {
  /** `identity` → Identity, `cursor` → number. A missing key means null. */
  meta: { key: 'identity' | 'cursor'; value: Identity | number };
  messages: { key: string; value: StoredMessage; indexes: { conversation: string } };
  tombstones: { key: string; value: StoredTombstone; indexes: { conversation: string } };
  outbox: { key: string; value: PendingSend };
  peers: { key: string; value: PeerKeys };
}

const STORES = ['meta', 'messages', 'tombstones', 'outbox', 'peers'] as const;

/**
 * A store in IndexedDB (browsers): survives reloads, so `connect()` resumes the device. The
 * device's private key is a non-extractable `CryptoKey`, kept by structured clone: scripts can
 * use it but never read its bytes.
 * Each commit is one readwrite transaction over every object store, so it applies entirely or
 * not at all.
 */
export class IndexedDbStore implements Store {
  /** Database name; one per device (two clients never share one store). */
  readonly name: string;
  #opening: Promise<IDBPDatabase<CinderDb>> | null = null;

  /** @param name database name. @default 'cinder' */
  constructor(name = 'cinder') {
    this.name = name;
  }

  async getIdentity(): Promise<Identity | null> {
    const value = await (await this.#db()).get('meta', 'identity');
    return typeof value === 'object' ? value : null;
  }

  async getCursor(): Promise<number | null> {
    const value = await (await this.#db()).get('meta', 'cursor');
    return typeof value === 'number' ? value : null;
  }

  async getMessage(id: string): Promise<StoredMessage | undefined> {
    return (await this.#db()).get('messages', id);
  }

  async listMessages(conversation?: string): Promise<StoredMessage[]> {
    const db = await this.#db();
    const all =
      conversation === undefined
        ? await db.getAll('messages')
        : await db.getAllFromIndex('messages', 'conversation', conversation);
    return all.sort(byMessageOrder);
  }

  async getTombstone(id: string): Promise<StoredTombstone | undefined> {
    return (await this.#db()).get('tombstones', id);
  }

  async listTombstones(conversation?: string): Promise<StoredTombstone[]> {
    const db = await this.#db();
    const all =
      conversation === undefined
        ? await db.getAll('tombstones')
        : await db.getAllFromIndex('tombstones', 'conversation', conversation);
    return all.sort(byTombstoneOrder);
  }

  async getPeer(username: string): Promise<PeerKeys | undefined> {
    return (await this.#db()).get('peers', username);
  }

  async listOutbox(): Promise<PendingSend[]> {
    return (await (await this.#db()).getAll('outbox')).sort(byOutboxOrder);
  }

  async commit(changes: StoreChanges): Promise<void> {
    const tx = (await this.#db()).transaction(STORES, 'readwrite');
    const meta = tx.objectStore('meta');
    const messages = tx.objectStore('messages');
    const tombstones = tx.objectStore('tombstones');
    const outbox = tx.objectStore('outbox');
    const peers = tx.objectStore('peers');
    // Requests in one transaction run in order, so deletes issued after puts win.
    const ops: Promise<unknown>[] = [];
    if (changes.identity !== undefined) {
      ops.push(changes.identity ? meta.put(changes.identity, 'identity') : meta.delete('identity'));
    }
    if (changes.cursor !== undefined) {
      ops.push(changes.cursor === null ? meta.delete('cursor') : meta.put(changes.cursor, 'cursor'));
    }
    for (const m of changes.putMessages ?? []) ops.push(messages.put(sealIfReceivedBurn(m)));
    for (const id of changes.deleteMessages ?? []) ops.push(messages.delete(id));
    for (const t of changes.putTombstones ?? []) ops.push(tombstones.put(t));
    for (const p of changes.putOutbox ?? []) ops.push(outbox.put(p));
    for (const key of changes.deleteOutbox ?? []) ops.push(outbox.delete(key));
    for (const p of changes.putPeers ?? []) ops.push(peers.put(p));
    await Promise.all([...ops, tx.done]);
  }

  async clear(): Promise<void> {
    const tx = (await this.#db()).transaction(STORES, 'readwrite');
    await Promise.all([...STORES.map((name) => tx.objectStore(name).clear()), tx.done]);
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = null;
    if (opening) (await opening).close();
  }

  #db(): Promise<IDBPDatabase<CinderDb>> {
    this.#opening ??= openDB<CinderDb>(this.name, 2, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore('meta');
          db.createObjectStore('messages', { keyPath: 'id' }).createIndex('conversation', 'conversation');
          db.createObjectStore('tombstones', { keyPath: 'id' }).createIndex('conversation', 'conversation');
          db.createObjectStore('outbox', { keyPath: 'key' });
        }
        if (oldVersion < 2) db.createObjectStore('peers', { keyPath: 'username' });
      },
      // Another tab wants a newer schema: let it, and reopen on next use.
      blocking: () => {
        void this.close();
      },
    }).catch((error: unknown) => {
      this.#opening = null;
      throw error;
    });
    return this.#opening;
  }
}
