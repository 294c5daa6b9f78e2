import { chmodSync, constants, lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CinderError } from '@cinder/protocol';
import type { AppendOutcome, BlobSource, UploadRecord, UploadStore } from '../storage.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.ts';
import type { SqliteDatabase } from './sqlite-database.ts';

/** Directory of the upload files, inside the data directory. */
export const BLOBS_DIR = 'blobs';

/** What the uploads need of the SQLite storage they belong to (each throws once it is closed). */
export interface SqliteUploadsDeps {
  db(): SqliteDatabase;
  /** Queue a write in the storage's group commit (write-queue.ts). */
  write<T>(run: () => T): Promise<T>;
}

interface UploadRow {
  id: string;
  device_id: string;
  size: number;
  received: number;
  created_at: number;
  expires_at: number;
  message_id: string | null;
}

function recordOf(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    deviceId: row.device_id,
    size: row.size,
    received: row.received,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    messageId: row.message_id,
  };
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * Uploads on SQLite: a row in `uploads` and the bytes in `blobs/<id>` (700 directory, 600 files).
 * The file is written first and the row's `received` after, so a crash between them leaves the
 * file longer than `received`: the next append truncates it to its offset, and a read stops at
 * `received`. A file with no row (its row deleted, then a crash before the unlink) is removed by
 * `open`. Appends, deletes and expiries of one upload run one at a time (this process is the data
 * directory's only writer), which makes the offset check and the write one atomic step.
 */
export class SqliteUploads implements UploadStore {
  readonly #deps: SqliteUploadsDeps;
  #dir: string | null = null;
  /** The operation in progress on an upload, by id: the next one waits for it. */
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(deps: SqliteUploadsDeps) {
    this.#deps = deps;
  }

  /**
   * Create `blobs/` (700) in the data directory, tighten its files to 600 and remove the files
   * that have no row. Runs at start, before anything is served.
   */
  open(dataDir: string): void {
    const dir = join(dataDir, BLOBS_DIR);
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    chmodSync(dir, PRIVATE_DIR_MODE);
    const known = this.#deps.db().prepare<{ id: string }>('SELECT id FROM uploads WHERE id = ?');
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!lstatSync(path).isFile() || !known.get(name)) unlinkSync(path);
      else chmodSync(path, PRIVATE_FILE_MODE);
    }
    this.#dir = dir;
  }

  /** Path of an upload's file (only ever for an id that has a row: ids come from the server). */
  #path(id: string): string {
    if (!this.#dir) throw new Error('Uploads are not open');
    return join(this.#dir, id);
  }

  #row(id: string): UploadRow | undefined {
    return this.#deps
      .db()
      .prepare<UploadRow>(
        'SELECT id, device_id, size, received, created_at, expires_at, message_id FROM uploads WHERE id = ?',
      )
      .get(id);
  }

  /** Run `fn` once every earlier operation on the upload `id` has settled. */
  #serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#busy.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const settled = run.then(
      () => {},
      () => {},
    );
    this.#busy.set(id, settled);
    void settled.then(() => {
      if (this.#busy.get(id) === settled) this.#busy.delete(id);
    });
    return run;
  }

  async create(upload: Omit<UploadRecord, 'received' | 'messageId'>): Promise<void> {
    await this.#deps.write(() => {
      this.#deps
        .db()
        .prepare(
          'INSERT INTO uploads (id, device_id, size, received, created_at, expires_at) VALUES (?, ?, ?, 0, ?, ?)',
        )
        .run(upload.id, upload.deviceId, upload.size, upload.createdAt, upload.expiresAt);
    });
  }

  async get(id: string): Promise<UploadRecord | null> {
    const row = this.#row(id);
    return row ? recordOf(row) : null;
  }

  append(id: string, offset: number, bytes: Uint8Array): Promise<AppendOutcome> {
    return this.#serial(id, async () => {
      const row = this.#row(id);
      // An attached upload is a message's blob: it takes no more bytes.
      if (!row || row.message_id !== null) return { kind: 'missing' };
      if (offset !== row.received) return { kind: 'offset', received: row.received };
      if (offset + bytes.length > row.size) return { kind: 'past-size' };
      const file = await open(this.#path(id), constants.O_WRONLY | constants.O_CREAT, PRIVATE_FILE_MODE);
      try {
        await file.truncate(offset);
        if (bytes.length > 0) await file.write(bytes, 0, bytes.length, offset);
        await file.sync();
      } finally {
        await file.close();
      }
      const received = offset + bytes.length;
      const changed = await this.#deps.write(
        () =>
          this.#deps
            .db()
            .prepare('UPDATE uploads SET received = ? WHERE id = ? AND received = ?')
            .run(received, id, offset).changes,
      );
      if (changed === 0) return { kind: 'missing' };
      return { kind: 'appended', upload: recordOf({ ...row, received }) };
    });
  }

  async read(id: string): Promise<Uint8Array | null> {
    return this.#serial(id, async () => {
      const row = this.#row(id);
      if (!row) return null;
      try {
        const bytes = await readFile(this.#path(id));
        return new Uint8Array(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, row.received));
      } catch (error) {
        if (isMissing(error)) return new Uint8Array(0);
        throw error;
      }
    });
  }

  delete(id: string): Promise<boolean> {
    return this.#serial(id, () => this.#remove(id));
  }

  /**
   * Delete the row of an unattached upload, then the file (a crash between them leaves a file
   * `open` removes). An attached upload is its message's blob: it stays, and this answers false.
   */
  async #remove(id: string): Promise<boolean> {
    const changed = await this.#deps.write(
      () =>
        this.#deps.db().prepare('DELETE FROM uploads WHERE id = ? AND message_id IS NULL').run(id).changes,
    );
    if (changed === 0) return false;
    await unlink(this.#path(id)).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
    return changed > 0;
  }

  async blob(messageId: string, userId: string): Promise<BlobSource | null> {
    const row = this.#deps
      .db()
      .prepare<{ id: string; received: number }>(
        `SELECT u.id, u.received FROM messages m JOIN uploads u ON u.message_id = m.id
         WHERE m.id = ? AND (m.sender_id = ? OR m.recipient_id = ?)`,
      )
      .get(messageId, userId, userId);
    if (!row) return null;
    const path = this.#path(row.id);
    return {
      size: row.received,
      // The file is opened before the answer starts: once open, an unlink (a burn) leaves these
      // bytes readable to the end of this answer only.
      open: async (start, end) => {
        const file = await open(path, 'r').catch((error: unknown) => {
          if (isMissing(error)) throw new CinderError('NOT_FOUND', 'No such message');
          throw error;
        });
        return Readable.toWeb(file.createReadStream({ start, end })) as ReadableStream<Uint8Array>;
      },
    };
  }

  /**
   * Unlink the file of a burned message's blob, whose row the burn deleted (after its commit). A
   * file the unlink misses (a crash first) has no row, and `open` removes it at the next start.
   */
  unlinkBlob(id: string): void {
    void this.#serial(id, () => unlink(this.#path(id))).catch(() => {});
  }

  async expire(now: number): Promise<number> {
    const due = this.#deps
      .db()
      .prepare<{ id: string }>('SELECT id FROM uploads WHERE expires_at <= ? AND message_id IS NULL')
      .all(now);
    let removed = 0;
    for (const { id } of due) if (await this.#serial(id, () => this.#remove(id))) removed++;
    return removed;
  }
}
