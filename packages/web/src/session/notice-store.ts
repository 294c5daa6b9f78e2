/** A key-change notice as the app keeps it: who, when, and whether the replaced keys were verified. */
export interface KeyNotice {
  /** Unique per device, peer and time. */
  id: string;
  /** The device that saw the change: notices of one signed-in device never show on another. */
  deviceId: string;
  /** The user whose device keys changed. */
  peer: string;
  /** When this device saw the change (ms since the epoch). */
  at: number;
  /** True when the keys that were replaced had been marked verified. */
  verified: boolean;
}

/** Where key-change notices outlive a reload: the SDK reports each change once, then remembers the new keys. */
export interface NoticeStore {
  list(deviceId: string): Promise<KeyNotice[]>;
  put(notice: KeyNotice): Promise<void>;
  /** Forget every notice (sign-out). */
  clear(): Promise<void>;
}

const STORE = 'notices';

/**
 * Key-change notices in their own IndexedDB database, apart from the SDK's store (which the SDK
 * alone writes and clears). They hold usernames and times only, never message content.
 */
export class IdbNoticeStore implements NoticeStore {
  readonly #name: string;
  #db: Promise<IDBDatabase> | null = null;

  /** @param name the database name; @default "cinder-notices" */
  constructor(name = 'cinder-notices') {
    this.#name = name;
  }

  async list(deviceId: string): Promise<KeyNotice[]> {
    const all = await this.#run('readonly', (store) => store.getAll() as IDBRequest<KeyNotice[]>);
    return all.filter((n) => n.deviceId === deviceId).sort((a, b) => a.at - b.at);
  }

  async put(notice: KeyNotice): Promise<void> {
    await this.#run('readwrite', (store) => store.put(notice));
  }

  async clear(): Promise<void> {
    await this.#run('readwrite', (store) => store.clear());
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(this.#name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return this.#db;
  }

  async #run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.#open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
}
