import { CinderError } from '@cinder/protocol';
import { int } from '../rows.ts';
import type { AppendOutcome, BlobSource, UploadRecord, UploadStore } from '../storage.ts';
import type { PostgresPool } from './postgres-pool.ts';
import { inTransaction, type Tx } from './transaction.ts';

interface UploadRow {
  id: string;
  device_id: string;
  size: string;
  received: string;
  created_at: string;
  expires_at: string;
  message_id: string | null;
}

function recordOf(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    deviceId: row.device_id,
    size: int(row.size),
    received: int(row.received),
    createdAt: int(row.created_at),
    expiresAt: int(row.expires_at),
    messageId: row.message_id,
  };
}

const COLUMNS = 'id, device_id, size, received, created_at, expires_at, message_id';

/**
 * CTEs for a statement that deletes the chunks of the uploads `uploadIds` (a `SELECT` of upload
 * ids) selects: `chunks`, a row per chunk deleted, and with `queue` the scrub of `upload_chunks`
 * queued in the same statement when there were any (see `Scrubber`). Every delete of chunks
 * (a cancel, an expiry, a burned blob, a recalled attachment, a deleted account's uploads) goes
 * through it, so none can leave its bytes unscrubbed.
 */
export function chunkDeletion(schema: string, uploadIds: string, queue: boolean): string {
  const deletion = `chunks AS (DELETE FROM ${schema}.upload_chunks WHERE upload_id IN (${uploadIds}) RETURNING 1)`;
  if (!queue) return deletion;
  return `${deletion},
    chunks_scrub AS (INSERT INTO ${schema}.scrub_queue (contents, chunks)
      SELECT false, true WHERE EXISTS (SELECT 1 FROM chunks))`;
}

/** How a delete of chunks gets its scrub (see `Scrubber`), as a burn does. */
export interface ChunkScrub {
  /** Whether a delete adds a row to `scrub_queue` in its own transaction (false: scrub `off`). */
  queue: boolean;
  /** A delete that queued a scrub committed: run it within the scrub delay. */
  schedule(): void;
}

/**
 * Uploads on PostgreSQL: a row in `uploads` and the bytes as rows of `upload_chunks`, one per
 * append, so every node can append to and read any upload. An append locks its upload's row
 * (`FOR UPDATE`), so of two appends at one offset, from any nodes, one stores and the other finds
 * the offset moved on; the chunk and the new `received` commit together. A cancel or an expiry
 * that deletes chunks queues a scrub of `upload_chunks` in its transaction, so their bytes leave
 * the table's files as a burned blob's do.
 */
export class PostgresUploads implements UploadStore {
  readonly #pool: () => PostgresPool;
  readonly #schema: string;
  readonly #scrub: ChunkScrub;

  /** `pool` throws once the storage is closed; `schema` is quoted already. */
  constructor(pool: () => PostgresPool, schema: string, scrub: ChunkScrub) {
    this.#pool = pool;
    this.#schema = schema;
    this.#scrub = scrub;
  }

  async create(upload: Omit<UploadRecord, 'received' | 'messageId'>): Promise<void> {
    await this.#pool().query(
      `INSERT INTO ${this.#schema}.uploads (${COLUMNS}) VALUES ($1, $2, $3, 0, $4, $5, NULL)`,
      [upload.id, upload.deviceId, upload.size, upload.createdAt, upload.expiresAt],
    );
  }

  async get(id: string): Promise<UploadRecord | null> {
    const { rows } = await this.#pool().query<UploadRow>(
      `SELECT ${COLUMNS} FROM ${this.#schema}.uploads WHERE id = $1`,
      [id],
    );
    return rows[0] ? recordOf(rows[0]) : null;
  }

  async append(id: string, offset: number, bytes: Uint8Array): Promise<AppendOutcome> {
    const s = this.#schema;
    const { value } = await inTransaction(this.#pool(), async (tx): Promise<AppendOutcome> => {
      const { rows } = await tx.q<UploadRow>(`SELECT ${COLUMNS} FROM ${s}.uploads WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      const row = rows[0];
      // An attached upload is a message's blob: it takes no more bytes.
      if (!row || row.message_id !== null) return { kind: 'missing' };
      const upload = recordOf(row);
      if (offset !== upload.received) return { kind: 'offset', received: upload.received };
      if (offset + bytes.length > upload.size) return { kind: 'past-size' };
      if (bytes.length > 0) {
        await tx.q(`INSERT INTO ${s}.upload_chunks (upload_id, "offset", bytes) VALUES ($1, $2, $3)`, [
          id,
          offset,
          Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
        ]);
        await tx.q(`UPDATE ${s}.uploads SET received = $2 WHERE id = $1`, [id, offset + bytes.length]);
      }
      return { kind: 'appended', upload: { ...upload, received: offset + bytes.length } };
    });
    return value;
  }

  async read(id: string): Promise<Uint8Array | null> {
    const s = this.#schema;
    const { value } = await inTransaction(this.#pool(), async (tx) => {
      const { rows } = await tx.q<UploadRow>(`SELECT ${COLUMNS} FROM ${s}.uploads WHERE id = $1`, [id]);
      if (!rows[0]) return null;
      const chunks = await tx.q<{ bytes: Buffer }>(
        `SELECT bytes FROM ${s}.upload_chunks WHERE upload_id = $1 ORDER BY "offset"`,
        [id],
      );
      return new Uint8Array(Buffer.concat(chunks.rows.map((c) => c.bytes)));
    });
    return value;
  }

  async delete(id: string): Promise<boolean> {
    const s = this.#schema;
    const { value } = await inTransaction(this.#pool(), async (tx) => {
      // An attached upload is its message's blob: it stays.
      const { rowCount } = await tx.q(`DELETE FROM ${s}.uploads WHERE id = $1 AND message_id IS NULL`, [id]);
      if ((rowCount ?? 0) === 0) return { deleted: false, queued: false };
      return { deleted: true, queued: await this.#deleteChunks(tx, [id]) };
    });
    if (value.queued) this.#scrub.schedule();
    return value.deleted;
  }

  async blob(messageId: string, userId: string): Promise<BlobSource | null> {
    const s = this.#schema;
    const { rows } = await this.#pool().query<{ id: string; received: string }>(
      `SELECT u.id, u.received FROM ${s}.messages m JOIN ${s}.uploads u ON u.message_id = m.id
       WHERE m.id = $1 AND (m.sender_id = $2 OR m.recipient_id = $2)`,
      [messageId, userId],
    );
    const row = rows[0];
    if (!row) return null;
    return { size: int(row.received), open: async (start, end) => this.#chunks(row.id, start, end) };
  }

  /**
   * The bytes `start`..`end` (inclusive) of an upload, one chunk row per read as the answer is
   * sent. A chunk gone midway (the message burned) ends the stream with an error.
   */
  #chunks(id: string, start: number, end: number): ReadableStream<Uint8Array> {
    const s = this.#schema;
    const pool = this.#pool;
    let at = start;
    const chunkAt = async (first: boolean) => {
      const { rows } = await pool().query<{ offset: string; bytes: Buffer }>(
        first
          ? `SELECT "offset", bytes FROM ${s}.upload_chunks WHERE upload_id = $1 AND "offset" <= $2
             ORDER BY "offset" DESC LIMIT 1`
          : `SELECT "offset", bytes FROM ${s}.upload_chunks WHERE upload_id = $1 AND "offset" = $2`,
        [id, at],
      );
      return rows[0] ? { offset: int(rows[0].offset), bytes: rows[0].bytes } : null;
    };
    let first = true;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (at > end) {
          controller.close();
          return;
        }
        const chunk = await chunkAt(first);
        first = false;
        if (!chunk || chunk.offset + chunk.bytes.length <= at) {
          controller.error(new CinderError('NOT_FOUND', 'No such message'));
          return;
        }
        const from = at - chunk.offset;
        const to = Math.min(chunk.bytes.length, end + 1 - chunk.offset);
        controller.enqueue(new Uint8Array(chunk.bytes.buffer, chunk.bytes.byteOffset + from, to - from));
        at = chunk.offset + to;
      },
    });
  }

  async expire(now: number): Promise<number> {
    const s = this.#schema;
    const { value } = await inTransaction(this.#pool(), async (tx) => {
      const { rows } = await tx.q<{ id: string }>(
        `DELETE FROM ${s}.uploads WHERE expires_at <= $1 AND message_id IS NULL RETURNING id`,
        [now],
      );
      const queued =
        rows.length > 0 &&
        (await this.#deleteChunks(
          tx,
          rows.map((r) => r.id),
        ));
      return { removed: rows.length, queued };
    });
    if (value.queued) this.#scrub.schedule();
    return value.removed;
  }

  /**
   * Delete these uploads' chunks and, when there were any, queue their scrub in the same
   * statement (see `Scrubber`); true when a scrub was queued.
   */
  async #deleteChunks(tx: Tx, ids: readonly string[]): Promise<boolean> {
    const { rows } = await tx.q<{ deleted: boolean }>(
      `WITH ${chunkDeletion(this.#schema, 'SELECT unnest($1::text[])', this.#scrub.queue)}
       SELECT EXISTS (SELECT 1 FROM chunks) AS deleted`,
      [ids],
    );
    return this.#scrub.queue && rows[0]?.deleted === true;
  }
}
