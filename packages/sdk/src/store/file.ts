import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CinderError } from '@cinder/protocol';
import type { Identity, PeerKeys, PendingSend, StoredMessage, StoredTombstone } from '../types.ts';
import { type StoreFile, StoreState } from './state.ts';
import type { Store, StoreChanges } from './store.ts';

function isStoreFile(value: unknown): value is StoreFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof StoreFile, unknown>>;
  return (
    v.version === 1 &&
    Array.isArray(v.messages) &&
    Array.isArray(v.tombstones) &&
    Array.isArray(v.outbox) &&
    (v.cursor === null || typeof v.cursor === 'number') &&
    (v.identity === null || typeof v.identity === 'object')
  );
}

/**
 * A store in one JSON file (Node.js only, exported from `@cinder/sdk/node`): survives restarts, so
 * `connect()` resumes the device.
 *
 * Every commit rewrites the whole file: write a temp file, fsync, rename over the old one. A
 * crash leaves either the old or the new file, never a torn one, and because the file is
 * rewritten rather than patched, deleting a message (the sender's own burn text when `burned`
 * arrives) leaves its text nowhere in the file. Commits that arrive while a write is running
 * share the next write. The file holds the device token and the device's private key: it is
 * created with mode 0600.
 */
export class FileStore implements Store {
  /** Path of the JSON file; its directory is created if missing. */
  readonly path: string;
  /** A JSON file keeps the device's private key as PKCS#8 (in this 0600 file). */
  readonly keysAsBytes = true;
  #loading: Promise<StoreState> | null = null;
  /** The last write scheduled; the next one starts after it. */
  #lastWrite: Promise<void> = Promise.resolve();
  /** A write scheduled but not started yet: commits made meanwhile join it. */
  #nextWrite: Promise<void> | null = null;

  /** @param path the store file, e.g. `~/.cinder/alice.json` (one file per device). */
  constructor(path: string) {
    this.path = path;
  }

  async getIdentity(): Promise<Identity | null> {
    return (await this.#state()).getIdentity();
  }

  async getCursor(): Promise<number | null> {
    return (await this.#state()).cursor;
  }

  async getMessage(id: string): Promise<StoredMessage | undefined> {
    return (await this.#state()).getMessage(id);
  }

  async listMessages(conversation?: string): Promise<StoredMessage[]> {
    return (await this.#state()).listMessages(conversation);
  }

  async getTombstone(id: string): Promise<StoredTombstone | undefined> {
    return (await this.#state()).getTombstone(id);
  }

  async listTombstones(conversation?: string): Promise<StoredTombstone[]> {
    return (await this.#state()).listTombstones(conversation);
  }

  async getPeer(username: string): Promise<PeerKeys | undefined> {
    return (await this.#state()).getPeer(username);
  }

  async listOutbox(): Promise<PendingSend[]> {
    return (await this.#state()).listOutbox();
  }

  async commit(changes: StoreChanges): Promise<void> {
    (await this.#state()).apply(changes);
    await this.#flush();
  }

  async clear(): Promise<void> {
    (await this.#state()).clear();
    await this.#flush();
  }

  async close(): Promise<void> {
    await this.#lastWrite.catch(() => {});
  }

  #state(): Promise<StoreState> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = null;
      throw error;
    });
    return this.#loading;
  }

  async #load(): Promise<StoreState> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    // A temp file left by a crash mid-write may hold deleted text: remove it now.
    await rm(this.#tempPath(), { force: true });
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new StoreState();
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CinderError('INTERNAL', 'The store file is not valid JSON', { cause: error });
    }
    if (!isStoreFile(parsed)) throw new CinderError('INTERNAL', 'The store file is not a Cinder store');
    return StoreState.fromJSON(parsed);
  }

  #flush(): Promise<void> {
    if (!this.#nextWrite) {
      const next = this.#lastWrite
        .catch(() => {})
        .then(() => {
          this.#nextWrite = null;
          return this.#write();
        });
      this.#nextWrite = next;
      this.#lastWrite = next;
    }
    return this.#nextWrite;
  }

  async #write(): Promise<void> {
    const state = await this.#state();
    const data = JSON.stringify(state.toJSON());
    const temp = this.#tempPath();
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.path);
  }

  #tempPath(): string {
    return `${this.path}.tmp`;
  }
}
